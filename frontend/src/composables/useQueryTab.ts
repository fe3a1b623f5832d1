import { computed, type WritableComputedRef } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/**
 * The open tab of a page, kept in the URL (`?tab=hours`): a reload, the back button or a shared
 * link open the same tab. The default tab is left out of the URL; an unknown value falls back to it.
 */
export function useQueryTab<T extends string>(tabs: readonly T[], fallback: T, key = 'tab'): WritableComputedRef<T> {
  const route = useRoute()
  const router = useRouter()
  return computed({
    get: () => tabs.find((t) => t === route.query[key]) ?? fallback,
    set: (value: T) => {
      const query = { ...route.query, [key]: value === fallback ? undefined : value }
      void router.replace({ query })
    },
  })
}
