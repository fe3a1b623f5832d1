/**
 * An activity and its check-in code, read together for the poster and the projector. The code is
 * the API's (valid until an hour after the activity ends), so a poster printed ahead still works.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import { asProblem, type Problem, type Schemas } from '@gongjian/client'
import { api } from '@/api/client'

export function useActivityCode(activityId: Ref<number>) {
  const activity = shallowRef<Schemas['ActivityRead'] | null>(null)
  const code = shallowRef<Schemas['CheckInCode'] | null>(null)
  const problem = ref<Problem | null>(null)
  const loading = ref(true)

  async function loadActivity(): Promise<void> {
    const { data, error, response } = await api.GET('/api/v1/activities/{activity_id}', { params: { path: { activity_id: activityId.value } } })
    if (data) activity.value = data
    else problem.value = asProblem(error, response.status)
  }

  async function load(): Promise<void> {
    loading.value = true
    problem.value = null
    const path = { params: { path: { activity_id: activityId.value } } }
    const [, issued] = await Promise.all([loadActivity(), api.GET('/api/v1/activities/{activity_id}/check-in-code', path)])
    loading.value = false
    if (issued.data) code.value = issued.data
    else problem.value ??= asProblem(issued.error, issued.response.status)
  }

  watch(activityId, load, { immediate: true })
  return { activity, code, problem, loading, load, loadActivity }
}
