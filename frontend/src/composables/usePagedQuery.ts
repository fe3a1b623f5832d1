/**
 * A paged, filtered, sorted list whose state lives in the URL query, so a reload, the back button
 * or a shared link show the same page. Filters are declared once with their types and defaults;
 * values equal to the default are left out of the URL.
 */
import { computed, provide, reactive, ref, shallowRef, watch, type InjectionKey, type Ref } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'
import { asProblem } from '@gongjian/client'
import { showProblem } from './problem'

export interface QueryField<T> {
  readonly default: T
  parse(raw: string): T | undefined
  serialize(value: T): string
}

export type QuerySpec = Record<string, QueryField<unknown>>
export type QueryState<S extends QuerySpec> = { [K in keyof S]: S[K] extends QueryField<infer T> ? T : never }

export const field = {
  text(def = ''): QueryField<string> {
    return { default: def, parse: (raw) => raw, serialize: (v) => v }
  },
  int(def: number, min = 1, max = 100_000): QueryField<number> {
    return {
      default: def,
      parse: (raw) => {
        const n = Number(raw)
        return /^\d+$/.test(raw) && n >= min && n <= max ? n : undefined
      },
      serialize: String,
    }
  },
  /** An optional integer id (empty when absent). */
  id(): QueryField<number | undefined> {
    return {
      default: undefined,
      parse: (raw) => (/^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined),
      serialize: (v) => (v === undefined ? '' : String(v)),
    }
  },
  /** A calendar day `YYYY-MM-DD` (empty when absent); anything else in the URL is ignored. */
  day(): QueryField<string> {
    const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
    return { default: '', parse: (raw) => (DAY.test(raw) ? raw : undefined), serialize: (v) => v }
  },
  bool(def: boolean): QueryField<boolean> {
    return { default: def, parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined), serialize: String }
  },
  /** A yes / no / either filter. */
  tristate(): QueryField<boolean | undefined> {
    return {
      default: undefined,
      parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined),
      serialize: (v) => (v === undefined ? '' : String(v)),
    }
  },
  /** One of a fixed set of codes (an API enum or sort key); `''` stands for "any" when allowed. */
  oneOf<T extends string>(values: readonly T[], def: T): QueryField<T> {
    return { default: def, parse: (raw) => values.find((v) => v === raw), serialize: (v) => v }
  },
  optionalOneOf<T extends string>(values: readonly T[]): QueryField<T | undefined> {
    return { default: undefined, parse: (raw) => values.find((v) => v === raw), serialize: (v) => v ?? '' }
  },
}

export const pageFields = { page: field.int(1), page_size: field.int(20, 1, 100) }

function first(value: LocationQuery[string]): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v ?? undefined
}

export function parseQuery<S extends QuerySpec>(spec: S, query: LocationQuery): QueryState<S> {
  const state: Record<string, unknown> = {}
  for (const [key, f] of Object.entries(spec)) {
    const raw = first(query[key])
    const parsed = raw === undefined || raw === '' ? undefined : f.parse(raw)
    state[key] = parsed === undefined ? f.default : parsed
  }
  return state as QueryState<S>
}

/** The URL query for `state`: only what differs from the defaults; unrelated keys of `keep` survive. */
export function toQuery<S extends QuerySpec>(spec: S, state: QueryState<S>, keep: LocationQuery = {}): LocationQuery {
  const query: LocationQuery = {}
  for (const [key, value] of Object.entries(keep)) if (!(key in spec)) query[key] = value
  for (const [key, f] of Object.entries(spec)) {
    const value = (state as Record<string, unknown>)[key]
    if (value === undefined || value === f.default) continue
    const text = f.serialize(value)
    if (text !== '') query[key] = text
  }
  return query
}

/** Element Plus table sort event → the API's sort code (`name` / `-name`), or the default. */
export function sortCode<T extends string>(
  allowed: readonly T[],
  def: T,
  event: { prop: string | null; order: 'ascending' | 'descending' | null },
): T {
  if (!event.prop || !event.order) return def
  const code = event.order === 'descending' ? `-${event.prop}` : event.prop
  return allowed.find((v) => v === code) ?? def
}

/** Element Plus table `default-sort` for a sort code. */
export function tableSort(code: string): { prop: string; order: 'ascending' | 'descending' } {
  return code.startsWith('-') ? { prop: code.slice(1), order: 'descending' } : { prop: code, order: 'ascending' }
}

function sameQuery(a: LocationQuery, b: LocationQuery): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((k) => String(a[k] ?? '') === String(b[k] ?? ''))
}

/** Whether the view's list total is a lower bound ("10000+ 条"): provided by `usePagedQuery`. */
export const TOTAL_CAPPED: InjectionKey<Ref<boolean>> = Symbol('totalCapped')

export interface PageResult<Row> {
  data?: { items: Row[]; total: number; total_capped?: boolean }
  error?: unknown
  response: Response
}

export function usePagedQuery<S extends QuerySpec, Row>(
  spec: S,
  load: (state: QueryState<S> & { page: number; page_size: number }) => Promise<PageResult<Row>>,
) {
  const full = { ...spec, ...pageFields }
  type Full = QueryState<typeof full>
  const route = useRoute()
  const router = useRouter()
  const ownRoute = route.name

  const state = computed(() => parseQuery(full, route.query) as Full)
  /** Editable copy of the filters, bound to the filter form; applied with `apply()`. */
  const draft = reactive({ ...parseQuery(spec, route.query) }) as QueryState<S>
  const rows: Ref<Row[]> = shallowRef<Row[]>([])
  const total = ref(0)
  /** The API counted only so far (kit/pagination.py MAX_ROWS): there are more than `total` rows,
   * and no page past them. The view's TablePager reads it (provided: no view has to pass it). */
  const totalCapped = ref(false)
  provide(TOTAL_CAPPED, totalCapped)
  const loading = ref(false)
  /** The last load failed: the list says so (加载失败 · 重试) rather than showing itself empty. */
  const failed = ref(false)
  let generation = 0

  function fail(): void {
    failed.value = true
    rows.value = []
    total.value = 0
    totalCapped.value = false
  }

  async function reload(): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      const result = await load(state.value as QueryState<S> & { page: number; page_size: number })
      if (mine !== generation) return // a newer query answered first
      if (result.data) {
        rows.value = result.data.items
        total.value = result.data.total
        totalCapped.value = result.data.total_capped === true
        failed.value = false
      } else {
        fail()
        showProblem(asProblem(result.error, result.response.status))
      }
    } catch (e) {
      if (mine === generation) {
        fail()
        showProblem(asProblem(e))
      }
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function navigate(next: Full): Promise<unknown> {
    const query = toQuery(full, next, route.query)
    // The same query again ("查询" pressed twice): the router won't navigate, so load here.
    if (sameQuery(query, route.query)) return reload()
    return router.push({ query })
  }

  /** Applies filter changes (the draft, or `patch`) and goes back to page 1. */
  function apply(patch: Partial<QueryState<S>> = {}): Promise<unknown> {
    Object.assign(draft, patch)
    return navigate({ ...state.value, ...draft, page: 1 } as Full)
  }

  function reset(): Promise<unknown> {
    Object.assign(draft, parseQuery(spec, {}))
    return navigate({ ...parseQuery(full, {}), page_size: state.value.page_size } as Full)
  }

  function setPage(page: number): Promise<unknown> {
    return navigate({ ...state.value, page } as Full)
  }

  function setPageSize(pageSize: number): Promise<unknown> {
    return navigate({ ...state.value, page_size: pageSize, page: 1 } as Full)
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== ownRoute) return // leaving this page: its list is not wanted any more
      Object.assign(draft, parseQuery(spec, route.query))
      void reload()
    },
    { immediate: true },
  )

  return { state, draft, rows, total, totalCapped, loading, failed, reload, apply, reset, setPage, setPageSize }
}
