/**
 * What the signed-in caller may do, mirrored from the API's rules so that a button appears only
 * when the action is legal. The API still decides: these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'

export type Caller = Pick<Schemas['MeRead'], 'role' | 'organization_id'>

export function isOrgAdmin(me: Caller | null | undefined): boolean {
  return !!me && (me.role === 'community_admin' || me.role === 'unit_admin') && me.organization_id != null
}

/** The caller is the platform admin, or an admin of organisation `orgId`. */
export function actsFor(me: Caller | null | undefined, orgId: number | null | undefined): boolean {
  if (!me) return false
  if (me.role === 'admin') return true
  return isOrgAdmin(me) && orgId != null && me.organization_id === orgId
}
