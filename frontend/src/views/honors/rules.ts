/**
 * Who may record and correct honours: a copy of the backend's rules (`gongjian/honors/`), kept
 * because the API does not yet say per record what the caller may do. The API decides; these only
 * hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { hasAdminRole, isOrgAdmin, managesCommunity, type Caller } from '@/api/acting'

type Honor = Pick<Schemas['HonorRead'], 'community_org_id' | 'recipient_org_id'>

/** The counted community's admin, the platform admin, or the admin of the organisation honoured. */
export function mayEditHonor(honor: Honor, me: Caller | null | undefined): boolean {
  if (managesCommunity(me, honor.community_org_id)) return true
  return !!me && isOrgAdmin(me) && honor.recipient_org_id != null && me.organization_id === honor.recipient_org_id
}

/** Organisation admins record honours of their community or organisation; members do not. */
export function mayRecordHonor(me: Caller | null | undefined): boolean {
  return hasAdminRole(me)
}
