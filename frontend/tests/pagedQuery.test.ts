import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, h, nextTick, reactive } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { field, parseQuery, sortCode, tableSort, toQuery, usePagedQuery, type PageResult } from '@/composables/usePagedQuery'
import { useDateRange } from '@/composables/useDateRange'

const SORTS = ['name', '-name', 'created_at', '-created_at'] as const
const spec = {
  q: field.text(),
  kind: field.optionalOneOf(['community', 'unit'] as const),
  archived: field.bool(false),
  org: field.id(),
  sort: field.oneOf(SORTS, 'name'),
}

describe('parseQuery / toQuery', () => {
  it('parses typed values and falls back to defaults for junk', () => {
    const state = parseQuery(spec, { q: '社区', kind: 'bogus', archived: 'true', org: '12', sort: '-name' })
    expect(state).toEqual({ q: '社区', kind: undefined, archived: true, org: 12, sort: '-name' })
    expect(parseQuery(spec, { org: '-3', archived: 'yes', sort: 'DROP' })).toEqual({
      q: '',
      kind: undefined,
      archived: false,
      org: undefined,
      sort: 'name',
    })
  })
  it('leaves defaults out of the URL and keeps keys it does not own', () => {
    const state = parseQuery(spec, {})
    expect(toQuery(spec, state, { tab: 'x' })).toEqual({ tab: 'x' })
    expect(toQuery(spec, { ...state, kind: 'unit', org: 5, archived: true })).toEqual({ kind: 'unit', org: '5', archived: 'true' })
  })
  it('round-trips', () => {
    const state = { q: 'a b', kind: 'community' as const, archived: true, org: 9, sort: '-created_at' as const }
    expect(parseQuery(spec, toQuery(spec, state))).toEqual(state)
  })
})

describe('sortCode / tableSort', () => {
  it('maps table sort events to API sort codes and back', () => {
    expect(sortCode(SORTS, 'name', { prop: 'created_at', order: 'descending' })).toBe('-created_at')
    expect(sortCode(SORTS, 'name', { prop: 'name', order: 'ascending' })).toBe('name')
    expect(sortCode(SORTS, 'name', { prop: 'code', order: 'ascending' })).toBe('name')
    expect(sortCode(SORTS, 'name', { prop: 'name', order: null })).toBe('name')
    expect(tableSort('-created_at')).toEqual({ prop: 'created_at', order: 'descending' })
  })
})

async function mountList(initial: string) {
  const calls: Record<string, unknown>[] = []
  let api!: ReturnType<typeof usePagedQuery<typeof spec, { id: number }>>
  const Page = defineComponent({
    setup() {
      api = usePagedQuery(spec, async (state) => {
        calls.push({ ...state })
        const result: PageResult<{ id: number }> = {
          data: { items: [{ id: state.page }], total: 42 },
          response: new Response(null, { status: 200 }),
        }
        return result
      })
      return () => h('div')
    },
  })
  const router: Router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', name: 'list', component: Page },
      { path: '/other', name: 'other', component: { render: () => h('p') } },
    ],
  })
  await router.push(initial)
  const app = createApp({ render: () => h(router.options.routes[0].component as never) })
  app.use(router)
  app.mount(document.createElement('div'))
  await flush()
  return { router, calls, api: () => api, app }
}

async function flush() {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise((r) => setTimeout(r, 0))
  }
}

describe('usePagedQuery', () => {
  it('loads the page the URL names', async () => {
    const { calls, api } = await mountList('/list?q=%E7%A4%BE&page=3&sort=-name')
    expect(calls).toEqual([{ q: '社', kind: undefined, archived: false, org: undefined, sort: '-name', page: 3, page_size: 20 }])
    expect(api().rows.value).toEqual([{ id: 3 }])
    expect(api().total.value).toBe(42)
    expect(api().draft.q).toBe('社')
  })

  it('writes filter changes to the URL, back on page 1, and reloads from it', async () => {
    const { router, calls, api } = await mountList('/list?page=4')
    api().draft.q = '老虎头'
    await api().apply({ kind: 'community' })
    await flush()
    expect(router.currentRoute.value.query).toEqual({ q: '老虎头', kind: 'community' })
    expect(calls.at(-1)).toMatchObject({ q: '老虎头', kind: 'community', page: 1 })
  })

  it('pages and resizes through the URL', async () => {
    const { router, calls, api } = await mountList('/list?kind=unit')
    await api().setPage(2)
    await flush()
    expect(router.currentRoute.value.query).toEqual({ kind: 'unit', page: '2' })
    await api().setPageSize(50)
    await flush()
    expect(router.currentRoute.value.query).toEqual({ kind: 'unit', page_size: '50' })
    expect(calls.at(-1)).toMatchObject({ kind: 'unit', page: 1, page_size: 50 })
  })

  it('follows the back button', async () => {
    const { router, calls, api } = await mountList('/list')
    await api().setPage(2)
    await flush()
    router.back()
    await flush()
    expect(router.currentRoute.value.query).toEqual({})
    expect(calls.at(-1)).toMatchObject({ page: 1 })
    expect(api().rows.value).toEqual([{ id: 1 }])
  })

  it('reloads when applied with an unchanged query', async () => {
    const { calls, api } = await mountList('/list?q=x')
    const before = calls.length
    await api().apply()
    await flush()
    expect(calls.length).toBe(before + 1)
  })

  it('resets filters but keeps the page size', async () => {
    const { router, api } = await mountList('/list?q=x&kind=unit&page=3&page_size=50')
    await api().reset()
    await flush()
    expect(router.currentRoute.value.query).toEqual({ page_size: '50' })
    expect(api().draft.q).toBe('')
  })
})

describe('day filters and their date range', () => {
  it('take calendar days from the URL and ignore anything else', () => {
    const days = { from: field.day(), until: field.day() }
    expect(parseQuery(days, { from: '2017-03-05', until: '2017-13-01' })).toEqual({ from: '2017-03-05', until: '' })
    expect(parseQuery(days, { from: '2017-3-5', until: "2017-03-05' OR 1" })).toEqual({ from: '', until: '' })
  })
  it('show a range once both ends are set, and apply a picked or cleared range at once', async () => {
    const applied: Record<string, string>[] = []
    const list = {
      draft: reactive({ q: 'x', from: '2017-01-01', until: '' }),
      async apply(patch: Partial<{ q: string; from: string; until: string }>) {
        applied.push(patch as Record<string, string>)
        Object.assign(this.draft, patch)
      },
    }
    const range = useDateRange(list, 'from', 'until')
    expect(range.value).toBeNull()
    range.value = ['2017-03-01', '2017-03-31']
    await flush()
    expect(applied).toEqual([{ from: '2017-03-01', until: '2017-03-31' }])
    expect(range.value).toEqual(['2017-03-01', '2017-03-31'])
    range.value = null
    expect(applied.at(-1)).toEqual({ from: '', until: '' })
  })
})
