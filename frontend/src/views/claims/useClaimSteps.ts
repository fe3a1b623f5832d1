/** The claim lifecycle steps: their labels, the inputs each asks for, and the call each makes. */
import type { Problem, Schemas } from '@gongjian/client'
import { asProblem } from '@gongjian/client'
import { api } from '@/api/client'
import { ifMatch } from '@/composables/versioned'
import type { ActionField, ActionValues } from '@/components/ActionDialog.vue'
import { businessDateBody, businessDateFields } from '@/composables/businessDate'
import type { Role } from '@/api/auth'
import type { ClaimAction } from './rules'

type Claim = Schemas['ClaimRead']

export const CLAIM_STEPS: Record<ClaimAction, { label: string; title: string; fields: ActionField[]; danger?: boolean }> = {
  start: { label: '开始', title: '开始服务', fields: [] },
  complete: { label: '完成', title: '提交完成情况', fields: [{ key: 'report', label: '完成情况', type: 'textarea', required: true, maxlength: 10000 }] },
  verify: {
    label: '验收',
    title: '验收认领',
    fields: [
      { key: 'rating', label: '评价', type: 'rate', required: true },
      { key: 'comment', label: '验收意见', type: 'textarea', maxlength: 2000 },
    ],
  },
  withdraw: { label: '撤回', title: '撤回认领', danger: true, fields: [{ key: 'reason', label: '原因', type: 'textarea', maxlength: 2000 }] },
  reject: { label: '驳回', title: '驳回认领', danger: true, fields: [{ key: 'reason', label: '驳回理由', type: 'textarea', required: true, maxlength: 2000 }] },
}

/** A step's inputs for this caller: an admin may also date a completion (业务日期). */
export function claimStepFields(step: ClaimAction, role: Role | null | undefined): ActionField[] {
  return step === 'complete' ? [...CLAIM_STEPS.complete.fields, ...businessDateFields(role, 'completed_on')] : CLAIM_STEPS[step].fields
}

export async function runClaimStep(step: ClaimAction, claim: Claim, values: ActionValues): Promise<Problem | null> {
  const params = { path: { claim_id: claim.id }, header: ifMatch(claim) }
  const text = (key: string) => String(values[key] ?? '')
  const result =
    step === 'start'
      ? await api.POST('/api/v1/claims/{claim_id}/start', { params })
      : step === 'complete'
        ? await api.POST('/api/v1/claims/{claim_id}/complete', { params, body: { report: text('report'), ...businessDateBody(values, 'completed_on') } })
        : step === 'verify'
          ? await api.POST('/api/v1/claims/{claim_id}/verify', { params, body: { rating: Number(values.rating), comment: text('comment') } })
          : step === 'withdraw'
            ? await api.POST('/api/v1/claims/{claim_id}/withdraw', { params, body: { reason: text('reason') } })
            : await api.POST('/api/v1/claims/{claim_id}/reject', { params, body: { reason: text('reason') } })
  return result.data ? null : asProblem(result.error, result.response.status)
}
