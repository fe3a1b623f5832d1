/** What a check-in poster and the projector tell people: the facts of the activity, and how to check in. */
import type { Schemas } from '@gongjian/client'
import { formatDateTime } from '@/composables/format'

export const CHECK_IN_STEPS = [
  '打开微信，进入“共建”小程序并登录（首次使用请先到社区报到）；',
  '点“扫码签到”，扫描本页二维码，即完成签到；',
  '活动结束离场时，再扫一次同一个二维码签退，志愿服务时长按签到、签退时间计算。',
]

/** `2026-03-05 09:00 至 11:30`, or with both dates when the activity runs over midnight. */
export function activityTime(a: Pick<Schemas['ActivityRead'], 'starts_at' | 'ends_at'>): string {
  const start = formatDateTime(a.starts_at)
  const end = formatDateTime(a.ends_at)
  return start.slice(0, 10) === end.slice(0, 10) ? `${start} 至 ${end.slice(11)}` : `${start} 至 ${end}`
}

export function posterFacts(a: Schemas['ActivityRead']): { label: string; value: string }[] {
  return [
    { label: '时间', value: activityTime(a) },
    { label: '地点', value: a.location || '（见活动通知）' },
    { label: '主办', value: a.organizer_org.name },
  ]
}
