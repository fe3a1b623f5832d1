/**
 * What a resident does with something it reported (a wish or a concern) once it is in others'
 * hands: withdraw it before anyone takes it up, and rate the answer once it is done — each only
 * as the API's `allowed_actions` say. The wish and concern detail screens share it.
 */
import { ref, type Ref } from 'vue'
import type { Result } from '@/api/call'
import { fieldErrors, toastProblem, type FieldErrors } from '@/api/problem'
import { loadMe } from '@/stores/session'

export type FollowUpAction = 'cancel' | 'rate'

export interface FollowUpOptions<T> {
  /** The wish or concern on the screen; each action's answer replaces it. */
  item: Ref<T | null>
  /** The question asked before withdrawing (its wording may depend on who asks). */
  confirm: () => { title: string; content: string }
  /** `POST …/cancel` of this item. */
  cancel: () => Promise<Result<T>>
  /** `POST …/rate` of this item. */
  rate: (rating: number, comment: string) => Promise<Result<T>>
  /** The screen's own busy flag when it has other actions too, so that they wait for each other. */
  busy?: Ref<boolean>
}

/** Asks with uni's modal; true when the person confirmed. */
export function confirmModal(title: string, content: string): Promise<boolean> {
  return new Promise((resolve) => {
    uni.showModal({ title, content, success: ({ confirm }) => resolve(confirm), fail: () => resolve(false) })
  })
}

export function useFollowUp<T extends { allowed_actions: readonly string[] }>(options: FollowUpOptions<T>) {
  const busy = options.busy ?? ref(false)
  /** The rating form's field errors from the server (`comment`, `rating`). */
  const rateErrors = ref<FieldErrors>({})

  /** Whether the API offers `action` on the item as it is now. */
  const can = (action: FollowUpAction): boolean => Boolean(options.item.value?.allowed_actions.includes(action))

  /** Withdraws the item once the person confirms; true when withdrawn. */
  async function withdraw(): Promise<boolean> {
    const { title, content } = options.confirm()
    if (!(await confirmModal(title, content))) return false
    busy.value = true
    const result = await options.cancel().finally(() => (busy.value = false))
    if (result.problem) {
      toastProblem(result.problem)
      return false
    }
    options.item.value = result.data
    uni.showToast({ title: '已撤回', icon: 'success' })
    void loadMe() // the home screen's counts change
    return true
  }

  /** Rates the answer; a refused field lands on the form, any other problem is a toast. True when rated. */
  async function rate(rating: number, comment: string): Promise<boolean> {
    busy.value = true
    const result = await options.rate(rating, comment).finally(() => (busy.value = false))
    if (result.problem) {
      rateErrors.value = fieldErrors(result.problem)
      if (!Object.keys(rateErrors.value).length) toastProblem(result.problem)
      return false
    }
    rateErrors.value = {}
    options.item.value = result.data
    uni.showToast({ title: '感谢评价', icon: 'success' })
    void loadMe()
    return true
  }

  return { busy, rateErrors, can, withdraw, rate }
}
