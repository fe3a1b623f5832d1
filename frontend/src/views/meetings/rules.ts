/**
 * What the caller may do with meetings and their tasks: a copy of the backend's rules
 * (`gongjian/meetings/`), kept because the API does not yet say per record what the caller may do.
 * The API decides; these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { isOrgAdmin, managesCommunity, type Caller } from '@/api/acting'

type Meeting = Pick<Schemas['MeetingRead'], 'status' | 'community_org'>
type Task = Pick<Schemas['TaskRead'], 'status' | 'owner_org' | 'started_at'>
export type TaskAction = 'start' | 'complete'

/** Meetings are called by a community's admin (for its own community) or the platform admin. */
export function mayCreateMeeting(me: Caller | null | undefined): boolean {
  return managesCommunity(me, me?.organization_id)
}

/** Theme, date, kind, topics: only while planned; minutes and attendance also afterwards. */
export function meetingActions(meeting: Meeting, me: Caller | null | undefined) {
  const manager = managesCommunity(me, meeting.community_org.id)
  const planned = meeting.status === 'planned'
  return {
    edit: manager,
    editAll: manager && planned,
    topics: manager && planned,
    close: manager && planned,
    addTask: manager,
  }
}

/**
 * Progress is reported by the community's admin or the platform admin, or by the admin of the
 * task's owner organisation. `communityId` is the meeting's community; in the task list it is not
 * known (`undefined`), but a community admin sees only its community's tasks and its own, so it
 * may progress every task it sees. `overdue` is derived: the stored state is then `open` (not
 * started) or `in_progress` (`started_at` set).
 */
export function taskActions(task: Task, me: Caller | null | undefined, communityId?: number): TaskAction[] {
  if (!me) return []
  const owner = isOrgAdmin(me) && me.organization_id === task.owner_org.id
  const manager = communityId === undefined ? me.role === 'admin' || me.role === 'community_admin' : managesCommunity(me, communityId)
  if (!(owner || manager) || task.status === 'done') return []
  const started = task.status === 'in_progress' || (task.status === 'overdue' && task.started_at != null)
  return started ? ['complete'] : ['start', 'complete']
}
