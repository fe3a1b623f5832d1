import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import { spanHours, starsText } from '@/views/volunteering/rules'
import { activitiesOption, claimsOption, comparisonOption, comparisonRow, concernsOption, formatHours, labelOn, legendRows, tasksOption, wrapName } from '@/views/dashboard/chartOptions'

describe('volunteering rules', () => {
  it('shows star levels', () => {
    expect(starsText(0)).toBe('')
    expect(starsText(null)).toBe('')
    expect(starsText(3)).toBe('★★★')
  })
})

describe('record times', () => {
  it('gives the most hours a span allows, in half hours rounded down', () => {
    expect(spanHours('2017-03-05 09:00', '2017-03-05 11:40')).toBe(2.5)
    expect(spanHours('2017-03-05 09:00', '2017-03-05 09:00')).toBeNull()
    expect(spanHours('', '2017-03-05 09:00')).toBeNull()
  })
})

describe('dashboard charts', () => {
  const stats: Schemas['AnnualStats'] = {
    year: 2017,
    community: { id: 1, name: '老虎头社区党委', kind: 'community' },
    latest_year: 2017,
    activities_by_kind: [
      { kind: 'volunteer_service', activities: 3, participant_times: 90 },
      { kind: 'visit', activities: 2, participant_times: 12 },
    ],
    volunteer: { collective_activities: 3, participant_times: 90, approved_hours: 231.5, approved_records: 90, activity_hours: 200, neighbour_hours: 12 },
    wishes: { submitted: 10, fulfilled: 8 },
    claims: {
      total: 5,
      by_category_and_status: [
        { category: 'volunteer', status: 'verified', count: 3 },
        { category: 'funding', status: 'claimed', count: 2 },
      ],
    },
    meetings: { held: 4, by_kind: [{ kind: 'joint', count: 4 }], topics: 9, tasks_done: 6, tasks_open: 1, tasks_in_progress: 1, tasks_overdue: 2 },
    concerns: { reported: 7, resolved: 5, resolved_locally: 3, escalated: 2, open: 2, overdue: 1 },
    honors: { count: 0, items: [] },
  }
  const label = (name: string, code: string) => `${name}:${code}`
  it('draws activities and participant-times by kind with Chinese labels from the enums', () => {
    const option = activitiesOption(stats, label)
    expect(option.xAxis).toMatchObject({ data: ['activity_kind:volunteer_service', 'activity_kind:visit'] })
    expect(option.series).toMatchObject([
      { name: '活动次数', data: [3, 2] },
      { name: '参与人次', data: [90, 12] },
    ])
  })
  it('stacks claims by status over every category', () => {
    const option = claimsOption(stats, ['hardship_aid', 'funding', 'volunteer'], label)
    expect(option.series).toMatchObject([
      { name: 'claim_status:verified', stack: 'claims', data: [0, 0, 3] },
      { name: 'claim_status:claimed', stack: 'claims', data: [0, 2, 0] },
    ])
  })
  it('wraps a standing bar\'s long name into even lines', () => {
    expect(wrapName('社区工作协调委员会', 5)).toBe('社区工作协\n调委员会')
    expect(wrapName('逾期未解决', 3)).toBe('逾期未\n解决')
    expect(wrapName('收集', 3)).toBe('收集')
  })
  it('writes a stacked part\'s count in a colour that reads on it (dark on gold, white on red)', () => {
    const option = claimsOption(stats, ['hardship_aid', 'funding', 'volunteer'], label)
    expect(option.series).toMatchObject([
      { itemStyle: { color: '#c62828' }, label: { color: '#fff' } },
      { itemStyle: { color: '#b7791f' }, label: { color: '#1a1a1a' } },
    ])
    expect(['#c62828', '#b7791f', '#1d5fa8', '#27702b', '#60636a', '#8e44ad', '#16a085'].map(labelOn)).toEqual(['#fff', '#1a1a1a', '#fff', '#fff', '#fff', '#fff', '#1a1a1a'])
  })
  it('shows concerns and tasks by their parts', () => {
    expect(concernsOption(stats).series).toMatchObject([{ data: [7, 5, 3, 2, 2, 1] }])
    expect(tasksOption(stats).series).toMatchObject([{ data: [{ value: 6 }, { value: 1 }, { value: 1 }, { value: 2 }] }])
    const none = { ...stats, meetings: { ...stats.meetings, tasks_open: 0, tasks_in_progress: 0 } }
    expect(tasksOption(none).series).toMatchObject([{ data: [{ name: '已完成', value: 6 }, { name: '已逾期', value: 2 }] }])
  })
  it('compares a street\'s communities side by side, hours on their own axis', () => {
    const small: Schemas['AnnualStats'] = {
      ...stats,
      community: { id: 2, name: '胜阳港社区党委', kind: 'community' },
      activities_by_kind: [{ kind: 'volunteer_service', activities: 1, participant_times: 4 }],
      volunteer: { ...stats.volunteer, approved_hours: 12 },
      wishes: { submitted: 3, fulfilled: 1 },
    }
    const area: Schemas['AreaAnnualStats'] = {
      year: 2017,
      organization: { id: 9, name: '江北街道党工委', kind: 'street' },
      latest_year: 2017,
      totals: stats,
      communities: [stats, small],
    }
    const option = comparisonOption(area)
    expect(option.xAxis).toMatchObject({ data: ['老虎头社区党委', '胜阳港社区党委'] })
    expect(option.series).toMatchObject([
      { name: '开展活动', data: [5, 1] },
      { name: '微心愿实现', data: [8, 1] },
      { name: '社情民意解决', data: [5, 5] },
      { name: '联席会例会', data: [4, 4] },
      { name: '志愿服务时长', yAxisIndex: 1, data: [231.5, 12] },
    ])
    const phone = comparisonOption(area, true)
    expect(phone.yAxis).toMatchObject({ data: ['老虎头社区党委', '胜阳港社区党委'], inverse: true })
    expect(phone.legend).toMatchObject({ bottom: 0 })
    expect(phone.series).toMatchObject([{ xAxisIndex: 0 }, { xAxisIndex: 0 }, { xAxisIndex: 0 }, { xAxisIndex: 0 }, { name: '志愿服务时长', xAxisIndex: 1 }])
    expect(comparisonRow('合计', stats)).toMatchObject({ activities: 5, participants: 102, hours: 231.5, claims: 5, honors: 0 })
  })
  it('puts a phone chart\'s legend under it, with room below the axis name, and names each value axis along it', () => {
    for (const option of [activitiesOption(stats, label, true), claimsOption(stats, ['hardship_aid', 'funding', 'volunteer'], label, true)]) {
      expect(option.legend).toMatchObject({ bottom: 0 })
      expect(option.legend).not.toHaveProperty('top')
    }
    const activities = activitiesOption(stats, label, true)
    expect(activities.xAxis).toMatchObject([
      { name: '活动次数（次）', nameLocation: 'middle', position: 'bottom' },
      { name: '参与人次', nameLocation: 'middle', position: 'top' },
    ])
    // One legend line (22 px) and the bottom axis's name (26 px) under the grid.
    expect(activities.grid).toMatchObject({ bottom: 48, containLabel: true })
  })
  it('counts the lines a legend wraps to on a phone', () => {
    expect(legendRows(['活动次数', '参与人次'])).toBe(1)
    expect(legendRows(['开展活动', '微心愿实现', '社情民意解决', '联席会例会', '志愿服务时长'])).toBe(2)
    expect(legendRows([])).toBe(1)
  })
  it('formats hours', () => {
    expect(formatHours(231.5)).toBe('231.5')
    expect(formatHours(12)).toBe('12')
  })
})
