import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import { activityActions, liveSignup, placesText, type Activity, type Signup } from '@/logic/activity'
import { activityOfCheckInCode, codeFrom, communityOfReportCode } from '@/logic/codes'
import { formatDate, formatDateTime, formatHours, formatSpan, starLabel, starText, todayIso } from '@/logic/format'
import { emptyReportForm, reportBody, reportIssues, skillsOf } from '@/logic/report'
import { fulfilIssues, wishActions, type Wish } from '@/logic/wish'
import { fieldErrors, problemMessage } from '@/api/problem'
import { concernBody, concernProgress, emptyPostForm, formField, postIssues, RATING_WORDS, ratingIssues, wishBody, wishProgress } from '@/logic/resident'

const HOUR = 3600 * 1000
const NOW = Date.parse('2026-05-01T02:00:00Z') // 10:00 in Shanghai

function activity(changes: Partial<Activity> = {}): Activity {
  return {
    id: 1,
    title: '义诊',
    kind: 'volunteer_service',
    community_org: { id: 2, name: '老虎头社区党委' },
    organizer_org: { id: 2, name: '老虎头社区党委' },
    starts_at: new Date(NOW + 2 * HOUR).toISOString(),
    ends_at: new Date(NOW + 4 * HOUR).toISOString(),
    location: '社区广场',
    capacity: 3,
    counts_hours: true,
    status: 'open',
    guest_count: 0,
    description: '',
    signup_count: 1,
    waiting_count: 0,
    checked_in_count: 0,
    participant_count: 0,
    created_at: '2026-04-01T00:00:00Z',
    updated_at: '2026-04-01T00:00:00Z',
    version: 1,
    allowed_actions: [],
    blocked_actions: [],
    ...changes,
  } as Activity
}

function signup(changes: Partial<Signup> = {}): Signup {
  return {
    id: 5,
    activity_id: 1,
    member: { id: 9, name: '陈立新' },
    status: 'signed_up',
    waiting_position: null,
    signed_up_at: '2026-04-02T00:00:00Z',
    promoted_at: null,
    cancelled_at: null,
    cancelled_by: null,
    checked_in_at: null,
    checked_out_at: null,
    attendance_marked_by: null,
    allowed_actions: ['cancel'],
    ...changes,
  }
}

describe('activity actions', () => {
  it('shows exactly what the API allows the caller, and why a member step is closed', () => {
    expect(activityActions(activity({ allowed_actions: ['sign_up'] }), null)).toMatchObject({ signUp: true, cancel: false, checkIn: false, checkOut: false, standing: '', blocked: '' })
    const closed = activity({ allowed_actions: [], blocked_actions: [{ action: 'sign_up', reason: '本活动仅限本社区党员参加' }] })
    expect(activityActions(closed, null)).toMatchObject({ signUp: false, blocked: '本活动仅限本社区党员参加', standing: '未报名' })
    // A manager's actions are not the member's business here.
    const managed = activity({ allowed_actions: ['edit', 'finish'], blocked_actions: [{ action: 'finish', reason: '活动尚未结束' }] })
    expect(activityActions(managed, null)).toMatchObject({ signUp: false, checkIn: false, checkOut: false, blocked: '' })
  })

  it('check-in and check-out come from the activity, cancelling from the sign-up', () => {
    const mine = signup()
    const checkIn = activity({ allowed_actions: ['check_in', 'cancel_signup'], blocked_actions: [] })
    expect(activityActions(checkIn, mine)).toMatchObject({ signUp: false, cancel: true, checkIn: true, checkOut: false, standing: '已报名' })
    expect(activityActions(checkIn, signup({ allowed_actions: [] })).cancel).toBe(false)
    const inside = signup({ checked_in_at: new Date(NOW + 2 * HOUR).toISOString(), allowed_actions: [] })
    expect(activityActions(activity({ allowed_actions: ['check_out'] }), inside)).toMatchObject({ checkIn: false, checkOut: true, standing: '已签到' })
    const out = signup({ checked_in_at: new Date(NOW).toISOString(), checked_out_at: new Date(NOW + HOUR).toISOString() })
    expect(activityActions(activity({ allowed_actions: [] }), out).standing).toBe('已签退')
  })

  it('a waiting member sees its place in the queue', () => {
    const waiting = signup({ status: 'waiting', waiting_position: 2 })
    const blocked = activity({ allowed_actions: [], blocked_actions: [{ action: 'check_in', reason: '候补中，不能签到' }] })
    expect(activityActions(blocked, waiting)).toMatchObject({ cancel: true, checkIn: false, standing: '候补第 2 位', blocked: '候补中，不能签到' })
  })

  it('finds the live sign-up and says how many places are left', () => {
    expect(liveSignup([signup({ id: 1, status: 'cancelled' }), signup({ id: 2 })])?.id).toBe(2)
    expect(liveSignup([signup({ status: 'cancelled' })])).toBeNull()
    expect(placesText(activity())).toBe('剩 2 个名额（共 3）')
    expect(placesText(activity({ signup_count: 3, waiting_count: 2 }))).toBe('已满，可候补（2 人候补）')
    expect(placesText(activity({ capacity: null }))).toBe('不限名额')
  })
})

describe('wish actions', () => {
  const wish = (changes: Partial<Wish>): Wish => ({ id: 1, status: 'published', claimant_member: null, ...changes }) as Wish
  it('offers what the wish’s allowed_actions say, nothing else', () => {
    expect(wishActions(wish({ allowed_actions: ['claim'] }))).toEqual({ claim: true, fulfil: false, release: false })
    expect(wishActions(wish({ allowed_actions: [] }))).toEqual({ claim: false, fulfil: false, release: false })
    const claimed = wish({ status: 'claimed', claimant_member: { id: 9, name: '陈立新' }, allowed_actions: ['fulfil', 'release', 'cancel'] })
    expect(wishActions(claimed)).toEqual({ claim: false, fulfil: true, release: true })
  })
  it('a fulfilment report needs words and at most nine photos', () => {
    expect(fulfilIssues(' ', 0)).toHaveProperty('note')
    expect(fulfilIssues('已送去轮椅', 10)).toEqual({ photos: '最多 9 张照片' })
    expect(fulfilIssues('已送去轮椅', 2)).toEqual({})
  })
})

describe('scanned codes', () => {
  const report = '2f.1.AbCdEfGhIjKlMn_-'
  it('finds the code in a mini-program path, a URL, or as typed', () => {
    expect(codeFrom({ path: `pages/report/index?scene=${encodeURIComponent(report)}` })).toBe(report)
    expect(codeFrom({ result: `https://gj.example.org/m/pages/report/index?code=${report}&x=1` })).toBe(report)
    expect(codeFrom(`  ${report} `)).toBe(report)
    expect(codeFrom({ result: 'https://example.org/no-code-here' })).toBe('')
    expect(codeFrom('')).toBe('')
  })
  it('reads the community of a 报到 code and the activity of a check-in code', () => {
    expect(communityOfReportCode(report)).toBe(parseInt('2f', 36))
    expect(communityOfReportCode('nonsense')).toBeNull()
    expect(activityOfCheckInCode('1Z.T0ABCDE.ABCDEFGHIJKLMNOP')).toBe(parseInt('1Z', 36))
    expect(activityOfCheckInCode('1Z.T0ABCDE.short')).toBeNull()
  })
})

describe('the 报到 form', () => {
  it('asks for what the API requires, the unit for in-service members', () => {
    const form = emptyReportForm('c.1.AbCdEfGhIjKlMn_-')
    expect(Object.keys(reportIssues(form)).sort()).toEqual(['category', 'gender', 'mobile', 'name'])
    Object.assign(form, { name: ' 李报到 ', gender: 'male', mobile: '1390000111', category: 'in_service' })
    expect(reportIssues(form)).toEqual({ mobile: '请填写 11 位手机号', unit_org_id: '在职党员请填写工作单位' })
    Object.assign(form, { mobile: '13900001111', unit_org_id: 4, skills: '理发、维修 理发，法律咨询' })
    expect(reportIssues(form)).toEqual({})
    expect(reportBody(form)).toEqual({
      code: 'c.1.AbCdEfGhIjKlMn_-',
      name: '李报到',
      gender: 'male',
      mobile: '13900001111',
      category: 'in_service',
      unit_org_id: 4,
      joined_party_on: null,
      skills: ['理发', '维修', '法律咨询'],
    } satisfies Schemas['ReportCreate'])
    expect(reportIssues({ ...form, category: 'retired', unit_org_id: null })).toEqual({})
  })
  it('keeps at most twenty distinct skills', () => {
    expect(skillsOf(Array.from({ length: 30 }, (_, i) => `技能${i % 25}`).join(' '))).toHaveLength(20)
  })
})

describe('formatting in Asia/Shanghai', () => {
  it('shows Shanghai time whatever the device zone', () => {
    expect(formatDateTime('2026-04-30T16:30:00Z')).toBe('2026-05-01 00:30')
    expect(formatDate('2026-04-30T16:30:00Z')).toBe('2026-05-01')
    expect(formatDate('2026-04-30')).toBe('2026-04-30')
    expect(formatSpan('2026-05-01T01:00:00Z', '2026-05-01T03:30:00Z')).toBe('5月1日 周五 09:00–11:30')
    expect(formatSpan('2026-05-01T15:00:00Z', '2026-05-01T17:00:00Z')).toBe('5月1日 周五 23:00–5月2日 01:00')
    expect(todayIso(Date.parse('2026-12-31T16:01:00Z'))).toBe('2027-01-01')
  })
  it('writes hours and stars', () => {
    expect(formatHours(2.5)).toBe('2.5')
    expect(formatHours(3)).toBe('3')
    expect(starText(3)).toBe('★★★☆☆')
    expect(starText(9)).toBe('★★★★★')
    expect(starLabel(0)).toBe('尚未评星')
    expect(starLabel(2)).toBe('2 星志愿者')
  })
})

describe('problems', () => {
  it('puts each body error on its field and says 412 plainly', () => {
    const p = {
      type: 't',
      title: '请求参数不合法',
      status: 422,
      code: 'validation_error',
      errors: [
        { field: 'body.mobile', message: '手机号格式不对', type: 'x' },
        { field: 'body.mobile', message: '已被使用', type: 'x' },
        { field: 'query.page', message: '太大', type: 'x' },
      ],
    }
    expect(fieldErrors(p as never)).toEqual({ mobile: '手机号格式不对；已被使用' })
    expect(problemMessage({ type: 't', title: '冲突', status: 412, code: 'precondition_failed' })).toBe('已被他人修改，请刷新后重试')
    expect(problemMessage({ type: 't', title: '报到码无效', status: 422, code: 'x', detail: '请扫描社区出示的报到码' })).toBe('报到码无效：请扫描社区出示的报到码')
  })
})

describe('a resident’s wishes and concerns', () => {
  it('asks for what must not be empty and builds the bodies', () => {
    const form = emptyPostForm()
    expect(postIssues('wish', form)).toEqual({ text: '请写下你的心愿', kind: '请选择心愿类型' })
    expect(postIssues('concern', form)).toEqual({ text: '请写下要反映的问题', category: '请选择问题类别' })
    Object.assign(form, { text: ' 3 栋路灯坏了 ', category: 'infrastructure', location: ' 3 栋楼下 ', description: '' })
    expect(postIssues('concern', form)).toEqual({})
    expect(concernBody(form)).toEqual({ title: '3 栋路灯坏了', category: 'infrastructure', location: '3 栋楼下', description: '' } satisfies Schemas['ConcernCreate'])
    Object.assign(form, { text: '想要一台轮椅', kind: 'goods' })
    expect(wishBody(form)).toEqual({ content: '想要一台轮椅', kind: 'goods' } satisfies Schemas['WishCreate'])
    expect(formField('title')).toBe('text')
    expect(formField('content')).toBe('text')
    expect(formField('location')).toBe('location')
  })

  it('tells a wish’s progress from its times, oldest first, ending where it ended', () => {
    const wish = {
      status: 'fulfilled',
      created_at: '2026-05-01T01:00:00Z',
      verified_at: '2026-05-02T01:00:00Z',
      published_at: '2026-05-02T02:00:00Z',
      claimed_at: '2026-05-03T01:00:00Z',
      claimant_org: null,
      fulfilled_at: '2026-05-04T01:00:00Z',
      fulfil_note: '已送去轮椅',
      closed_at: null,
      ended_at: null,
    } as unknown as Schemas['WishRead']
    expect(wishProgress(wish).map((s) => s.title)).toEqual(['提交心愿', '社区已核实', '已发布，等待认领', '党员已认领', '心愿已实现'])
    expect(wishProgress(wish).at(-1)?.note).toBe('已送去轮椅')
    const withdrawn = { ...wish, status: 'cancelled', verified_at: null, published_at: null, claimed_at: null, fulfilled_at: null, ended_at: '2026-05-01T02:00:00Z', end_reason: '' }
    expect(wishProgress(withdrawn as never).map((s) => s.title)).toEqual(['提交心愿', '已取消'])
  })

  it('tells a concern’s progress from its steps, with the community’s notes', () => {
    const concern = {
      steps: [
        { from_status: null, to_status: 'reported', note: '', escalated_to: null, at: '2026-05-01T01:00:00Z' },
        { from_status: 'reported', to_status: 'escalated', note: '需城管协调', escalated_to: '区城管局', at: '2026-05-02T01:00:00Z' },
        { from_status: 'escalated', to_status: 'resolved', note: '路灯已修好', escalated_to: null, at: '2026-05-03T01:00:00Z' },
      ],
    } as unknown as Schemas['ConcernRead']
    const labels: Record<string, string> = { escalated: '已上报协调', resolved: '已解决' }
    expect(concernProgress(concern, (s) => labels[s])).toEqual([
      { title: '提交反映', at: '2026-05-01T01:00:00Z', note: undefined },
      { title: '已上报协调：区城管局', at: '2026-05-02T01:00:00Z', note: '需城管协调' },
      { title: '已解决', at: '2026-05-03T01:00:00Z', note: '路灯已修好' },
    ])
  })

  it('a rating is one to five', () => {
    expect(ratingIssues(0)).toEqual({ rating: '请选择满意度' })
    expect(ratingIssues(5)).toEqual({})
    expect(RATING_WORDS[4]).toBe('满意')
  })
})
