/**
 * What the caller may do with meetings and their tasks: a copy of the backend's rules
 * (`gongjian/meetings/`), kept because the API does not yet say per record what the caller may do.
 * The API decides; these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { isOrgAdmin, managesCommunity, type Caller } from '@/api/acting'

type Task = Pick<Schemas['TaskRead'], 'status' | 'owner_org' | 'started_at'>
export type TaskAction = 'start' | 'complete'

/**
 * What the caller may do to a meeting, as the API says (`allowed_actions`), and why it may not
 * close it yet (`blocked_actions`: too few or too many topics), for a disabled button with the reason.
 */
export function meetingActions(meeting: Pick<Schemas['MeetingRead'], 'allowed_actions' | 'blocked_actions'>) {
  const allowed = (a: Schemas['MeetingAction']) => meeting.allowed_actions.includes(a)
  return {
    edit: allowed('edit'),
    topics: allowed('manage_topics'),
    close: allowed('close'),
    closeBlocked: meeting.blocked_actions.find((b) => b.action === 'close')?.reason ?? null,
    addTask: allowed('add_task'),
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
