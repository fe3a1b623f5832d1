/**
 * Organisations found by name on the server, for the organisation pickers: one request per kind
 * asked for (the list filter takes a single kind), the first 20 of each by name. Their names are
 * remembered, so a chosen organisation keeps its label after the options change.
 */
import type { Schemas } from '@gongjian/client'
import { api } from '@/api/client'
import { useOrgNamesStore } from '@/stores/orgNames'

type Kind = Schemas['OrganizationKind']

export async function searchOrganizations(q: string, kinds: readonly Kind[] = []): Promise<Schemas['OrganizationRead'][]> {
  const each: (Kind | undefined)[] = kinds.length ? [...kinds] : [undefined]
  const pages = await Promise.all(
    each.map((kind) => api.GET('/api/v1/organizations', { params: { query: { q: q || undefined, kind, page_size: 20, sort: 'name' } } })),
  )
  const found = pages.flatMap((p) => p.data?.items ?? [])
  useOrgNamesStore().remember(found)
  return found
}
