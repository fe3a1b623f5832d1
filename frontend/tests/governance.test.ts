import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import { managesCommunity } from '@/api/acting'
import { meetingActions, taskActions } from '@/views/meetings/rules'
import { concernActions } from '@/views/concerns/rules'
import { mayEditHonor, mayRecordHonor } from '@/views/honors/rules'

const admin = { role: 'admin' as const, organization_id: null }
const community = { role: 'community_admin' as const, organization_id: 1 }
const otherCommunity = { role: 'community_admin' as const, organization_id: 9 }
const unit = { role: 'unit_admin' as const, organization_id: 2 }
const otherUnit = { role: 'unit_admin' as const, organization_id: 3 }
const member = { role: 'member' as const, organization_id: null }
const org = (id: number) => ({ id, name: `#${id}`, kind: id === 1 ? ('community' as const) : ('unit' as const) })

describe('meetings', () => {
  it('are called and managed by the community’s admin or the platform admin', () => {
    expect(managesCommunity(community, 1)).toBe(true)
    expect(managesCommunity(otherCommunity, 1)).toBe(false)
    expect(managesCommunity(unit, 1)).toBe(false)
  })
  it('take topics and close only while planned; tasks at any time', () => {
    const reason = '每次例会重点研究 2–3 个需要协调解决的难题，当前有 1 个议题'
    const plannedActions = ['edit', 'edit_plan', 'manage_topics', 'add_task'] as const
    expect(meetingActions({ allowed_actions: [...plannedActions, 'close'], blocked_actions: [] })).toEqual({ edit: true, topics: true, close: true, closeBlocked: null, addTask: true })
    expect(meetingActions({ allowed_actions: [...plannedActions], blocked_actions: [{ action: 'close', reason }] })).toEqual({ edit: true, topics: true, close: false, closeBlocked: reason, addTask: true })
    expect(meetingActions({ allowed_actions: ['edit', 'add_task'], blocked_actions: [] })).toEqual({ edit: true, topics: false, close: false, closeBlocked: null, addTask: true })
    expect(meetingActions({ allowed_actions: [], blocked_actions: [] })).toEqual({ edit: false, topics: false, close: false, closeBlocked: null, addTask: false })
  })
})

describe('taskActions', () => {
  const task = (status: 'open' | 'in_progress' | 'done' | 'overdue', started = false) => ({
    status,
    owner_org: org(2),
    started_at: started ? '2026-01-01T00:00:00Z' : null,
  })
  it('lets the community or the owner’s admin start an open task and complete a started one', () => {
    expect(taskActions(task('open'), community, 1)).toEqual(['start', 'complete'])
    expect(taskActions(task('in_progress', true), unit, 1)).toEqual(['complete'])
    expect(taskActions(task('open'), otherUnit, 1)).toEqual([])
    expect(taskActions(task('open'), otherCommunity, 1)).toEqual([])
    expect(taskActions(task('done'), community, 1)).toEqual([])
  })
  it('reads an overdue task’s stored state from started_at', () => {
    expect(taskActions(task('overdue'), admin, 1)).toEqual(['start', 'complete'])
    expect(taskActions(task('overdue', true), admin, 1)).toEqual(['complete'])
  })
  it('in the task list (community unknown) trusts the community admin’s scope', () => {
    expect(taskActions(task('open'), community)).toEqual(['start', 'complete'])
    expect(taskActions(task('open'), otherUnit)).toEqual([])
    expect(taskActions(task('open'), member)).toEqual([])
  })
})

describe('concernActions', () => {
  it('offers the community\'s steps the API allows, in their order, not the resident\'s', () => {
    const c = (allowed_actions: Schemas['ConcernAction'][]) => ({ allowed_actions })
    expect(concernActions(c(['resolve', 'start', 'escalate']))).toEqual(['start', 'escalate', 'resolve'])
    expect(concernActions(c(['cancel', 'rate']))).toEqual([])
    expect(concernActions(c([]))).toEqual([])
  })
})

describe('honours', () => {
  it('are recorded and corrected as the API says (not by role)', () => {
    expect(mayEditHonor({ allowed_actions: ['edit', 'delete'] })).toBe(true)
    expect(mayEditHonor({ allowed_actions: [] })).toBe(false)
    expect(mayRecordHonor({ allowed_actions: ['record_honor'] })).toBe(true)
    expect(mayRecordHonor({ allowed_actions: ['enter_volunteer_records'] })).toBe(false)
    expect(mayRecordHonor(null)).toBe(false)
  })
})
