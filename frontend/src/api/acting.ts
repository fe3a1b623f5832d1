/**
 * What the signed-in caller may do, mirrored from the API's rules so that a button appears only
 * when the action is legal. The API still decides: these only hide what it would refuse. The
 * building blocks every domain's `rules.ts` shares live here once, as the backend's `kit.access`
 * and `meetings.permissions` hold them.
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

/** The platform admin or any organisation's admin: who may create records at all (the API's `require_admin_role`). */
export function hasAdminRole(me: Caller | null | undefined): boolean {
  return !!me && (me.role === 'admin' || isOrgAdmin(me))
}

/**
 * The platform admin, or the admin of community `communityId` (not a unit's admin, even for its
 * own organisation): who handles a community's meetings, concerns and wishes (`manages_community`).
 */
export function managesCommunity(me: Caller | null | undefined, communityId: number | null | undefined): boolean {
  if (!me) return false
  return me.role === 'admin' || (me.role === 'community_admin' && communityId != null && me.organization_id === communityId)
}

export type CallerAction = Schemas['CallerAction']

/** What the caller's role may start (录入记录, 发布活动, 召集例会): the API's answer (`/me`'s `allowed_actions`). */
export function mayStart(me: Pick<Schemas['MeRead'], 'allowed_actions'> | null | undefined, action: CallerAction): boolean {
  return !!me && me.allowed_actions.includes(action)
}
