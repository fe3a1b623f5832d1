/**
 * A list screen over the API's one pagination contract (`{ items, total, page, page_size }`): first
 * page on load and pull-down, the next on reaching the bottom.
 */
import { computed, ref, type Ref } from 'vue'
import type { Problem } from '@gongjian/client'
import type { Result } from '@/api/call'

// `total_capped`: the API counted only its first 10,000 rows and pages no further (kit/pagination.py),
// so `finished` is right either way: the list ends where the server's pages end.
type Page<T> = { items: T[]; total: number; page: number; page_size: number; total_capped?: boolean }

export function usePagedList<T>(load: (page: number) => Promise<Result<Page<T>>>) {
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(0)
  const loading = ref(false)
  const problem = ref<Problem | null>(null)
  const finished = computed(() => page.value > 0 && items.value.length >= total.value)

  async function fetchPage(next: number): Promise<void> {
    loading.value = true
    const result = await load(next)
    loading.value = false
    if (result.problem) {
      problem.value = result.problem
      return
    }
    problem.value = null
    items.value = next === 1 ? result.data.items : [...items.value, ...result.data.items]
    total.value = result.data.total
    page.value = next
  }

  const reload = () => fetchPage(1)
  const more = () => (loading.value || finished.value ? Promise.resolve() : fetchPage(page.value + 1))
  return { items, total, loading, problem, finished, reload, more }
}
