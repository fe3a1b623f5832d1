/**
 * The desk (待办): each count of `GET /me/overview` with the list it opens. The counts are the API's
 * (each counted as that list lists it); here is only which screen shows them, and with which filter.
 */
import type { RouteLocationRaw } from 'vue-router'
import type { Schemas } from '@gongjian/client'

export type AdminCounts = Schemas['AdminCounts']
export type DeskKey = Exclude<keyof AdminCounts, 'communities'>
export type CommunityDesk = Schemas['CommunityDesk']

export interface DeskItem {
  key: DeskKey
  label: string
  hint: string
  count: number
  to: RouteLocationRaw
}

/** In the order a community worker goes through its day. */
const ITEMS: { key: DeskKey; label: string; hint: string }[] = [
  { key: 'pending_reports', label: '报到申请', hint: '待确认' },
  { key: 'records_to_approve', label: '志愿服务记录', hint: '待审核' },
  { key: 'wishes_to_verify', label: '微心愿', hint: '待核实' },
  { key: 'overdue_tasks', label: '分工任务', hint: '已逾期' },
  { key: 'overdue_concerns', label: '社情民意', hint: '已逾期' },
  { key: 'unscored_evaluations', label: '双向考评', hint: '待评分' },
]

/**
 * The list each count opens. `openPeriods`: the ids of the evaluation periods now open — with one,
 * its member list filtered to what waits for the caller's score; with several, the open periods.
 */
export function deskTarget(key: DeskKey, organizationId: number | null | undefined, openPeriods: number[]): RouteLocationRaw {
  switch (key) {
    case 'pending_reports':
      return { name: 'reports', query: { status: 'pending' } }
    case 'records_to_approve':
      return { name: 'volunteer-records', query: { status: 'pending', ...(organizationId ? { organizer_org_id: String(organizationId) } : {}) } }
    case 'wishes_to_verify':
      return { name: 'wishes', query: { status: 'submitted' } }
    case 'overdue_tasks':
      return { name: 'tasks', query: { status: 'overdue' } }
    case 'overdue_concerns':
      return { name: 'concerns', query: { overdue: 'true' } }
    case 'unscored_evaluations':
      return openPeriods.length === 1
        ? { name: 'evaluation-period', params: { id: String(openPeriods[0]) }, query: { unscored: 'true' } }
        : { name: 'evaluation-periods', query: { status: 'open' } }
  }
}

/** The desk's items: every count the caller has (null counts are not its to act on, so not shown). */
export function deskItems(counts: AdminCounts, organizationId: number | null | undefined, openPeriods: number[]): DeskItem[] {
  return ITEMS.flatMap(({ key, label, hint }) => {
    const count = counts[key]
    if (count === null || count === undefined) return []
    return [{ key, label, hint, count, to: deskTarget(key, organizationId, openPeriods) }]
  })
}

/** Everything done: the desk says so instead of a row of zeros. */
export function deskIsClear(items: DeskItem[]): boolean {
  return items.every((i) => i.count === 0)
}

/** A street's or district's desk: per community under it, each count with the list it opens. */
export const COMMUNITY_COLUMNS = [
  { key: 'pending_reports', label: '报到待确认' },
  { key: 'records_awaiting_review', label: '服务记录待审核' },
  { key: 'overdue_concerns', label: '社情民意已逾期' },
] as const

export type CommunityCount = (typeof COMMUNITY_COLUMNS)[number]['key']

export function communityTarget(key: CommunityCount, communityOrgId: number): RouteLocationRaw {
  const id = String(communityOrgId)
  switch (key) {
    case 'pending_reports':
      return { name: 'reports', query: { status: 'pending', community_org_id: id } }
    case 'records_awaiting_review':
      return { name: 'volunteer-records', query: { status: 'pending', organizer_org_id: id } }
    case 'overdue_concerns':
      return { name: 'concerns', query: { overdue: 'true', community_org_id: id } }
  }
}
