/**
 * The dashboard's charts as ECharts options, built from the annual figures. Pure functions (no
 * ECharts code runs here; the types are erased), so they are unit-tested and the first screen
 * does not load ECharts.
 */
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, PieSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { Schemas } from '@gongjian/client'

export type ChartOption = ComposeOption<BarSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>
/** The Chinese label of an enum code (from the enums store). */
export type Label = (enumName: string, code: string) => string

type Stats = Schemas['AnnualStats']
const RED = '#c62828'
const GOLD = '#b7791f'
const BLUE = '#1d5fa8'
const GREY = '#60636a'
const PALETTE = ['#c62828', '#b7791f', '#1d5fa8', '#27702b', '#60636a', '#8e44ad', '#16a085']

/** Relative luminance of a `#rrggbb` colour (WCAG 2). */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

/**
 * The text colour for a value label drawn inside a bar of `fill`: white where it reads (contrast
 * at least 4.5:1, WCAG AA), else near-black — ECharts draws white on every fill, unreadable on gold.
 */
export function labelOn(fill: string): string {
  const l = luminance(fill)
  return 1.05 / (l + 0.05) >= 4.5 ? '#fff' : '#1a1a1a'
}

const grid = { left: 8, right: 24, top: 48, bottom: 8, containLabel: true }
const axisLabel = { interval: 0, rotate: 30, fontSize: 11 }

/**
 * How many lines a plain legend of `names` takes in a chart `width` px wide: ECharts wraps it,
 * each item being its 25 px mark, 5 px, the name (12 px a character) and a 10 px gap.
 * Used on a phone, where the legend goes under the chart and the grid leaves it that room.
 */
export function legendRows(names: string[], width = 300): number {
  let rows = 1
  let x = 0
  for (const name of names) {
    const item = 25 + 5 + 12 * [...name].length + 10
    if (x > 0 && x + item > width) {
      rows += 1
      x = 0
    }
    x += item
  }
  return rows
}
/** The legend under a phone chart, and the grid's bottom that keeps the axis and its name clear of it. */
function phoneLegend(names: string[], axisName = false) {
  const rows = legendRows(names)
  return { legend: { bottom: 0, itemGap: 10 }, gridBottom: rows * 22 + (axisName ? 26 : 4) }
}
/**
 * A value axis's name on a phone: centred along the axis, outside its labels (top or bottom), in
 * the colour of the series it measures, so it never meets the legend or the category names.
 */
const phoneAxisName = (name: string, color: string) => ({
  name,
  nameLocation: 'middle' as const,
  nameGap: 26,
  nameTextStyle: { color, fontSize: 12 },
  axisLabel: { color, fontSize: 11 },
})
/**
 * On a phone (`narrow`) the bars lie down: category names are read in full along the left edge
 * (no rotated, clipped or overlapping labels), values stand at the bar ends.
 */
const nameAxis = (names: string[]) => ({ type: 'category' as const, data: names, inverse: true, axisLabel: { interval: 0, fontSize: 12 } })

/** Activities and participant-times of each kind, side by side, each on its own axis (their scales differ tenfold). */
export function activitiesOption(stats: Stats, label: Label, narrow = false): ChartOption {
  const rows = stats.activities_by_kind
  const names = rows.map((r) => label('activity_kind', r.kind))
  if (narrow) {
    const { legend, gridBottom } = phoneLegend(['活动次数', '参与人次'], true)
    return {
      color: [RED, GOLD],
      grid: { ...grid, top: 30, bottom: gridBottom },
      legend,
      tooltip: { trigger: 'axis' },
      yAxis: nameAxis(names),
      // Two value axes, one under the bars (次) and one above (人次): their scales differ tenfold.
      xAxis: [
        { type: 'value', ...phoneAxisName('活动次数（次）', RED), minInterval: 1, position: 'bottom' },
        { type: 'value', ...phoneAxisName('参与人次', GOLD), minInterval: 1, position: 'top', splitLine: { show: false } },
      ],
      series: [
        { name: '活动次数', type: 'bar', xAxisIndex: 0, data: rows.map((r) => r.activities), barMaxWidth: 14, label: { show: true, position: 'right', fontSize: 10 } },
        { name: '参与人次', type: 'bar', xAxisIndex: 1, data: rows.map((r) => r.participant_times), barMaxWidth: 14, label: { show: true, position: 'right', fontSize: 10 } },
      ],
    }
  }
  return {
    color: [RED, GOLD],
    grid,
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: names, axisLabel },
    yAxis: [
      { type: 'value', name: '次', minInterval: 1 },
      { type: 'value', name: '人次', minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: '活动次数', type: 'bar', data: rows.map((r) => r.activities), barMaxWidth: 24, label: { show: true, position: 'top', fontSize: 10 } },
      { name: '参与人次', type: 'bar', yAxisIndex: 1, data: rows.map((r) => r.participant_times), barMaxWidth: 24, label: { show: true, position: 'top', fontSize: 10 } },
    ],
  }
}

/**
 * A category name in even lines of at most `max` characters, so that standing bars' names don't
 * run into each other (社区工作协调委员会共驻共建指导委员会 read as one name at 1440 px).
 */
export function wrapName(name: string, max: number): string {
  const chars = [...name]
  if (chars.length <= max) return name
  const lines = Math.ceil(chars.length / max)
  const per = Math.ceil(chars.length / lines)
  const out: string[] = []
  for (let i = 0; i < chars.length; i += per) out.push(chars.slice(i, i + per).join(''))
  return out.join('\n')
}

/** Simple labelled bars (one series). */
export function barsOption(bars: { label: string; value: number }[], color = RED, narrow = false): ChartOption {
  if (narrow)
    return {
      color: [color],
      grid: { ...grid, top: 8, right: 32 },
      tooltip: { trigger: 'axis' },
      yAxis: nameAxis(bars.map((b) => b.label)),
      xAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: bars.map((b) => b.value), barMaxWidth: 18, label: { show: true, position: 'right' } }],
    }
  return {
    color: [color],
    grid: { ...grid, top: 24 },
    tooltip: { trigger: 'axis' },
    // Each bar's name in lines short enough for its share of a third of the page.
    xAxis: { type: 'category', data: bars.map((b) => b.label), axisLabel: { interval: 0, fontSize: 11, formatter: (name: string) => wrapName(name, bars.length > 4 ? 3 : 5) } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: bars.map((b) => b.value), barMaxWidth: 40, label: { show: true, position: 'top' } }],
  }
}

export function wishesOption(stats: Stats, narrow = false): ChartOption {
  return barsOption(
    [
      { label: '登记', value: stats.wishes.submitted },
      { label: '实现', value: stats.wishes.fulfilled },
    ],
    RED,
    narrow,
  )
}

export function concernsOption(stats: Stats, narrow = false): ChartOption {
  const c = stats.concerns
  return barsOption(
    [
      { label: '收集', value: c.reported },
      { label: '已解决', value: c.resolved },
      { label: '就地化解', value: c.resolved_locally },
      { label: '上报协调', value: c.escalated },
      { label: '未解决', value: c.open },
      { label: '逾期未解决', value: c.overdue },
    ],
    GOLD,
    narrow,
  )
}

/** Claims by category, stacked by status (only the statuses that occur). */
export function claimsOption(stats: Stats, categories: string[], label: Label, narrow = false): ChartOption {
  const rows = stats.claims.by_category_and_status
  const statuses = [...new Set(rows.map((r) => r.status))]
  const names = categories.map((c) => label('service_category', c))
  const phone = phoneLegend(statuses.map((s) => label('claim_status', s)))
  return {
    color: PALETTE,
    // On a phone the legend goes under the bars: above them it wrapped over the first category names.
    grid: narrow ? { ...grid, top: 8, bottom: phone.gridBottom } : grid,
    legend: narrow ? phone.legend : { top: 0 },
    tooltip: { trigger: 'axis' },
    ...(narrow
      ? { yAxis: nameAxis(names), xAxis: { type: 'value' as const, minInterval: 1 } }
      : { xAxis: { type: 'category' as const, data: names, axisLabel: { interval: 0, fontSize: 11 } }, yAxis: { type: 'value' as const, minInterval: 1 } }),
    series: statuses.map((status, i) => ({
      name: label('claim_status', status),
      type: 'bar' as const,
      stack: 'claims',
      barMaxWidth: 40,
      itemStyle: { color: PALETTE[i % PALETTE.length] },
      // A stacked part's count inside it, in a colour that reads on the part; a 0 part draws no label.
      label: {
        show: true,
        fontSize: 11,
        color: labelOn(PALETTE[i % PALETTE.length]!),
        textBorderWidth: 0,
        formatter: (p: { value: unknown }) => (Number(p.value) ? String(p.value) : ''),
      },
      data: categories.map((c) => rows.find((r) => r.category === c && r.status === status)?.count ?? 0),
    })),
  }
}

/** The tasks of the year's meetings by their state, as a ring. */
export function tasksOption(stats: Stats): ChartOption {
  const m = stats.meetings
  const parts = [
    { name: '已完成', value: m.tasks_done },
    { name: '进行中', value: m.tasks_in_progress },
    { name: '未开始', value: m.tasks_open },
    { name: '已逾期', value: m.tasks_overdue },
  ]
  const colors = ['#27702b', BLUE, '#60636a', RED]
  // Empty parts are left out: their labels would only pile up on each other.
  const shown = parts.map((p, i) => ({ ...p, itemStyle: { color: colors[i] } })).filter((p) => p.value > 0)
  return {
    legend: { bottom: 0 },
    tooltip: { trigger: 'item', formatter: '{b}：{c} 项（{d}%）' },
    series: [{ type: 'pie', radius: ['40%', '68%'], center: ['50%', '45%'], data: shown, label: { formatter: '{b}\n{c}' } }],
  }
}

export function meetingsOption(stats: Stats, label: Label, narrow = false): ChartOption {
  return barsOption(
    stats.meetings.by_kind.map((k) => ({ label: label('meeting_kind', k.kind), value: k.count })),
    BLUE,
    narrow,
  )
}

/** Hours as people read them: no trailing `.0`. */
export function formatHours(hours: number): string {
  return Number.isInteger(hours) ? String(hours) : hours.toFixed(1)
}

type Area = Schemas['AreaAnnualStats']

/** One row of the side-by-side table: a community's (or the totals') headline figures. */
export interface ComparisonRow {
  name: string
  activities: number
  participants: number
  hours: number
  wishesSubmitted: number
  wishesFulfilled: number
  claims: number
  meetings: number
  concernsReported: number
  concernsResolved: number
  honors: number
}

export function comparisonRow(name: string, f: Schemas['AnnualFigures']): ComparisonRow {
  return {
    name,
    activities: f.activities_by_kind.reduce((n, a) => n + a.activities, 0),
    participants: f.activities_by_kind.reduce((n, a) => n + a.participant_times, 0),
    hours: f.volunteer.approved_hours,
    wishesSubmitted: f.wishes.submitted,
    wishesFulfilled: f.wishes.fulfilled,
    claims: f.claims.total,
    meetings: f.meetings.held,
    concernsReported: f.concerns.reported,
    concernsResolved: f.concerns.resolved,
    honors: f.honors.count,
  }
}

/**
 * The communities of a street or district side by side: counts on one axis, volunteer hours on
 * another (their scales differ). On a phone the bars lie down (community names in full on the
 * left), counts measured below, hours above, and the legend under the chart.
 */
export function comparisonOption(area: Area, narrow = false): ChartOption {
  const rows = area.communities.map((c) => comparisonRow(c.community.name, c))
  const counts: [string, keyof ComparisonRow][] = [
    ['开展活动', 'activities'],
    ['微心愿实现', 'wishesFulfilled'],
    ['社情民意解决', 'concernsResolved'],
    ['联席会例会', 'meetings'],
  ]
  const names = rows.map((r) => r.name)
  if (narrow) {
    const { legend, gridBottom } = phoneLegend([...counts.map(([name]) => name), '志愿服务时长'], true)
    return {
      color: PALETTE,
      grid: { ...grid, top: 30, bottom: gridBottom },
      legend,
      tooltip: { trigger: 'axis' },
      yAxis: nameAxis(names),
      xAxis: [
        { type: 'value', ...phoneAxisName('次 / 个 / 件', '#303133'), minInterval: 1, position: 'bottom' },
        { type: 'value', ...phoneAxisName('志愿服务时长（小时）', GREY), position: 'top', splitLine: { show: false } },
      ],
      series: [
        ...counts.map(([name, key]) => ({ name, type: 'bar' as const, xAxisIndex: 0, data: rows.map((r) => r[key] as number), barMaxWidth: 8 })),
        { name: '志愿服务时长', type: 'bar' as const, xAxisIndex: 1, data: rows.map((r) => r.hours), barMaxWidth: 8 },
      ],
    }
  }
  return {
    color: PALETTE,
    grid: { ...grid, top: 56 },
    // One scrolling line, above the axis names.
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0, fontSize: 11, rotate: rows.length > 6 ? 30 : 0 } },
    yAxis: [
      { type: 'value', name: '次 / 个 / 件', minInterval: 1 },
      { type: 'value', name: '小时', splitLine: { show: false } },
    ],
    series: [
      ...counts.map(([name, key]) => ({ name, type: 'bar' as const, data: rows.map((r) => r[key] as number), barMaxWidth: 24 })),
      { name: '志愿服务时长', type: 'bar' as const, yAxisIndex: 1, data: rows.map((r) => r.hours), barMaxWidth: 24 },
    ],
  }
}
