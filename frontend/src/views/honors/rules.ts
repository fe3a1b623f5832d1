/**
 * Who may record and correct honours: the API's answers — recording at all is `/me`'s
 * `allowed_actions` (record_honor), correcting or deleting one is the honour's own
 * `allowed_actions` (the community it counts for, the organisation it honours, a platform admin).
 */
import type { Schemas } from '@gongjian/client'
import { mayStart } from '@/api/acting'

export function mayEditHonor(honor: Pick<Schemas['HonorRead'], 'allowed_actions'>): boolean {
  return honor.allowed_actions.includes('edit')
}

export function mayRecordHonor(me: Pick<Schemas['MeRead'], 'allowed_actions'> | null | undefined): boolean {
  return mayStart(me, 'record_honor')
}
