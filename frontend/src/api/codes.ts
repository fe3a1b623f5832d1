/**
 * Runtime lists of the API's enum and sort codes, for URL-query validation. Labels are never here
 * (they come from `/meta/enums`). Each list is checked against the generated types to be complete:
 * a code added to the API and missing here fails the type check.
 */
import type { Schemas } from '@gongjian/client'

function allOf<T extends string>() {
  return <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : 'missing codes')): A =>
    values
}

export const ORGANIZATION_KINDS = allOf<Schemas['OrganizationKind']>()(['community', 'unit', 'social'])
export const ORGANIZATION_SORTS = allOf<Schemas['OrganizationSort']>()(['name', '-name', 'created_at', '-created_at', 'id', '-id'])
export const PARTNERSHIP_SORTS = allOf<Schemas['PartnershipSort']>()(['start_date', '-start_date', 'id', '-id'])
export const ROLES = allOf<Schemas['Role']>()(['admin', 'community_admin', 'unit_admin', 'member'])
export const USER_SORTS = allOf<Schemas['UserSort']>()(['username', '-username', 'created_at', '-created_at'])
export const ACTOR_TYPES = allOf<Schemas['ActorType']>()(['user', 'api_key', 'system'])
export const AUDIT_ACTIONS = allOf<Schemas['AuditAction']>()([
  'create',
  'update',
  'archive',
  'restore',
  'deactivate',
  'activate',
  'reset_password',
  'change_password',
  'revoke',
  'login',
])
