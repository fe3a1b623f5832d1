/** Names of organisations referred to by id (accounts, API keys), fetched once per id and cached. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/client'

export const useOrgNamesStore = defineStore('orgNames', () => {
  const names = ref<Record<number, string>>({})
  const pending = new Set<number>()

  function remember(orgs: { id: number; name: string }[]): void {
    for (const org of orgs) names.value[org.id] = org.name
  }

  /** Fetches the names of `ids` not known yet; ones the caller may not see stay unnamed. */
  async function ensure(ids: (number | null | undefined)[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id): id is number => !!id && !(id in names.value) && !pending.has(id))
    await Promise.all(
      missing.map(async (id) => {
        pending.add(id)
        try {
          const { data } = await api.GET('/api/v1/organizations/{org_id}', { params: { path: { org_id: id } } })
          if (data) names.value[id] = data.name
        } finally {
          pending.delete(id)
        }
      }),
    )
  }

  function nameOf(id: number | null | undefined): string {
    if (!id) return ''
    return names.value[id] ?? `#${id}`
  }

  return { names, remember, ensure, nameOf }
})
