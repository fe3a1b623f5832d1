import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, ref } from 'vue'
import { createPinia, setActivePinia, type Pinia } from 'pinia'

// The pickers search on the server: the typed client is replaced by a recorder.
const requests: { path: string; query?: Record<string, unknown>; member_id?: number }[] = []
const members = [
  { id: 1, name: '陈立新', unit_org: { id: 2, name: '市中级人民法院党组' }, community_org: { id: 1, name: '老虎头社区党委' } },
  { id: 2, name: '王又明', unit_org: null, community_org: { id: 1, name: '老虎头社区党委' } },
]
vi.mock('@/api/client', () => ({
  api: {
    GET: async (path: string, init: { params?: { query?: Record<string, unknown>; path?: { member_id?: number; org_id?: number } } }) => {
      requests.push({ path, query: init.params?.query, member_id: init.params?.path?.member_id })
      if (path === '/api/v1/members') return { data: { items: members, total: 2 } }
      if (path === '/api/v1/members/{member_id}') return { data: { id: init.params?.path?.member_id, name: '李四' } }
      if (path === '/api/v1/organizations') {
        const kind = init.params?.query?.kind
        return { data: { items: [{ id: kind === 'unit' ? 2 : 1, name: kind === 'unit' ? '市中级人民法院党组' : '老虎头社区党委', kind: kind ?? 'community' }], total: 1 } }
      }
      return { data: undefined, error: { title: 'x', status: 404, code: 'not_found' } }
    },
  },
}))

const { default: EnumSelect } = await import('@/components/EnumSelect.vue')
const { default: EnumRadios } = await import('@/components/EnumRadios.vue')
const { default: MemberSelect } = await import('@/components/MemberSelect.vue')
const { useEnumsStore } = await import('@/stores/enums')
const { useOrgNamesStore } = await import('@/stores/orgNames')
const { searchOrganizations } = await import('@/composables/orgSearch')

let pinia: Pinia
beforeEach(() => {
  requests.length = 0
  document.body.innerHTML = ''
  pinia = createPinia()
  setActivePinia(pinia)
})

async function flush() {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise((r) => setTimeout(r, 0))
  }
}

function mount(render: () => ReturnType<typeof h>) {
  const root = document.createElement('div')
  document.body.appendChild(root)
  createApp(defineComponent({ setup: () => render })).use(pinia).mount(root)
  return root
}

/** The labels the select offers (Element Plus renders its options in a popper under <body>). */
const offered = () => [...document.body.querySelectorAll('.el-select-dropdown__item')].map((li) => li.textContent?.trim())

describe('EnumSelect', () => {
  it('offers the enum’s values with the API’s labels, or only those asked for', async () => {
    useEnumsStore().byName = {
      meeting_status: [
        { code: 'planned', label: '待召开' },
        { code: 'held', label: '已召开' },
      ],
    }
    const value = ref<string | undefined>('held')
    const changed = vi.fn()
    const root = mount(() =>
      h(EnumSelect, {
        enum: 'meeting_status',
        modelValue: value.value,
        'onUpdate:modelValue': (v: string | undefined) => (value.value = v),
        onChange: changed,
        placeholder: '全部状态',
        'data-test': 'filter-status',
      }),
    )
    await flush()
    expect(offered()).toEqual(['待召开', '已召开'])
    // The attributes and listeners are the select's own.
    expect(root.querySelector('[data-test=filter-status]')).not.toBeNull()
    expect(root.textContent).toContain('已召开')
    ;(document.body.querySelector('.el-select-dropdown__item') as HTMLElement).click()
    await flush()
    expect(value.value).toBe('planned')
    expect(changed).toHaveBeenCalledWith('planned')

    document.body.innerHTML = ''
    mount(() => h(EnumSelect, { enum: 'meeting_status', only: ['planned'] }))
    await flush()
    expect(offered()).toEqual(['待召开'])
  })
})

describe('EnumRadios', () => {
  it('offers the enum’s values as radios, or only those asked for, and sets the model', async () => {
    useEnumsStore().byName = {
      concern_reporter_kind: [
        { code: 'member', label: '党员' },
        { code: 'resident', label: '居民' },
        { code: 'admin', label: '组织' },
      ],
    }
    const value = ref<string | undefined>('resident')
    const root = mount(() =>
      h(EnumRadios, { enum: 'concern_reporter_kind', only: ['resident', 'admin'], modelValue: value.value, 'onUpdate:modelValue': (v: string | undefined) => (value.value = v), 'data-test': 'kind' }),
    )
    await flush()
    const labels = [...root.querySelectorAll('[data-test=kind] label')]
    expect(labels.map((l) => l.textContent?.trim())).toEqual(['居民', '组织'])
    expect(root.querySelector('[data-test=kind] .is-checked')?.textContent?.trim()).toBe('居民')
    ;(labels[1].querySelector('input') as HTMLInputElement).click()
    await flush()
    expect(value.value).toBe('admin')
  })
})

describe('MemberSelect', () => {
  it('searches the members the caller sees, by name, with their unit or community beside', async () => {
    mount(() => h(MemberSelect, { status: 'active' }))
    await flush()
    expect(requests).toEqual([{ path: '/api/v1/members', query: { q: undefined, status: 'active', page_size: 20, sort: 'name' }, member_id: undefined }])
    expect(offered()).toEqual(['陈立新市中级人民法院党组', '王又明老虎头社区党委'])
  })
  it('shows each member’s community instead where that is what counts', async () => {
    mount(() => h(MemberSelect, { note: 'community' }))
    await flush()
    expect(offered()).toEqual(['陈立新老虎头社区党委', '王又明老虎头社区党委'])
  })
  it('keeps the name of a chosen member that is not among the options', async () => {
    const root = mount(() => h(MemberSelect, { modelValue: 9, known: { id: 9, name: '张三' } }))
    await flush()
    expect(root.textContent).toContain('张三')
    expect(requests.map((r) => r.path)).toEqual(['/api/v1/members'])

    const other = mount(() => h(MemberSelect, { modelValue: 8 }))
    await flush()
    expect(requests).toContainEqual({ path: '/api/v1/members/{member_id}', query: undefined, member_id: 8 })
    expect(other.textContent).toContain('李四')
  })
})

describe('searchOrganizations', () => {
  it('asks once per kind and remembers the names it found', async () => {
    const found = await searchOrganizations('老', ['community', 'unit'])
    expect(found.map((o) => o.id)).toEqual([1, 2])
    expect(requests.map((r) => r.query)).toEqual([
      { q: '老', kind: 'community', page_size: 20, sort: 'name' },
      { q: '老', kind: 'unit', page_size: 20, sort: 'name' },
    ])
    expect(useOrgNamesStore().nameOf(2)).toBe('市中级人民法院党组')
    requests.length = 0
    await searchOrganizations('')
    expect(requests.map((r) => r.query)).toEqual([{ q: undefined, kind: undefined, page_size: 20, sort: 'name' }])
  })
})
