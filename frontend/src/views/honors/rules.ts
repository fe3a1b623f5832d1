/** Who may record and correct honours (mirrors backend/gongjian/honors/service.py). */
import type { Schemas } from '@gongjian/client'
import { isOrgAdmin, type Caller } from '@/api/acting'

type Honor = Pick<Schemas['HonorRead'], 'community_org_id' | 'recipient_org_id'>

/** The counted community's admin, the platform admin, or the admin of the organisation honoured. */
export function mayEditHonor(honor: Honor, me: Caller | null | undefined): boolean {
  if (!me) return false
  if (me.role === 'admin') return true
  if (me.role === 'community_admin' && me.organization_id === honor.community_org_id) return true
  return isOrgAdmin(me) && honor.recipient_org_id != null && me.organization_id === honor.recipient_org_id
}

/** Organisation admins record honours of their community or organisation; members do not. */
export function mayRecordHonor(me: Caller | null | undefined): boolean {
  return !!me && (me.role === 'admin' || isOrgAdmin(me))
}
