/**
 * A screen's data: loading, the problem when it failed, and reload (also on pull-down refresh).
 * Every screen shows these three states the same way (components/LoadState.vue).
 */
import { ref, type Ref } from 'vue'
import type { Problem } from '@gongjian/client'
import type { Result } from '@/api/call'

export function useLoad<T>(load: () => Promise<Result<T>>) {
  const data = ref(null) as Ref<T | null>
  const loading = ref(false)
  const problem = ref<Problem | null>(null)

  async function reload(): Promise<void> {
    loading.value = true
    const result = await load()
    loading.value = false
    if (result.problem) {
      problem.value = result.problem
      return
    }
    problem.value = null
    data.value = result.data
  }

  return { data, loading, problem, reload }
}
