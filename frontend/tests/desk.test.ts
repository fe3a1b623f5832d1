import { describe, expect, it } from 'vitest'
import { deskIsClear, deskItems, deskTarget } from '@/views/home/desk'
import { mobileWebUrl } from '@/views/reports/reportCode'

const counts = {
  pending_reports: 2,
  records_to_approve: null,
  wishes_to_verify: 0,
  overdue_tasks: 3,
  overdue_concerns: 1,
  unscored_evaluations: null,
}

describe('the desk', () => {
  it('shows the counts the caller has, in order, and none it does not', () => {
    const items = deskItems(counts, 7, [])
    expect(items.map((i) => [i.key, i.count])).toEqual([
      ['pending_reports', 2],
      ['wishes_to_verify', 0],
      ['overdue_tasks', 3],
      ['overdue_concerns', 1],
    ])
    expect(deskIsClear(items)).toBe(false)
    expect(deskIsClear(deskItems({ ...counts, pending_reports: 0, overdue_tasks: 0, overdue_concerns: 0 }, 7, []))).toBe(true)
  })

  it('opens each list with the filter its count was counted by', () => {
    expect(deskTarget('pending_reports', 7, [])).toEqual({ name: 'reports', query: { status: 'pending' } })
    expect(deskTarget('records_to_approve', 7, [])).toEqual({ name: 'volunteer-records', query: { status: 'pending', organizer_org_id: '7' } })
    expect(deskTarget('overdue_concerns', 7, [])).toEqual({ name: 'concerns', query: { overdue: 'true' } })
    expect(deskTarget('overdue_tasks', null, [])).toEqual({ name: 'tasks', query: { status: 'overdue' } })
  })

  it('opens one open period’s members waiting for a score, or the open periods when there are several', () => {
    expect(deskTarget('unscored_evaluations', 7, [12])).toEqual({ name: 'evaluation-period', params: { id: '12' }, query: { unscored: 'true' } })
    expect(deskTarget('unscored_evaluations', 7, [12, 13])).toEqual({ name: 'evaluation-periods', query: { status: 'open' } })
  })
})

describe('the 报到 QR', () => {
  it('opens the mobile web app’s page with the code, on this host', () => {
    expect(mobileWebUrl('https://gj.example.cn/', 'pages/report/index?scene=5.1.abc')).toBe('https://gj.example.cn/m/pages/report/index?scene=5.1.abc')
  })
})
