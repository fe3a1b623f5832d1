/**
 * Business dates (业务日期): an admin entering last year's paper records names the day a wish was
 * registered, a claim made or completed, a concern reported or resolved, a task done. Left empty, the
 * API takes today; it refuses a day after today (and before 1 January ten years back).
 */
import type { Role } from '@/api/auth'
import type { ActionField, ActionValues } from '@/components/ActionDialog.vue'

/** Only admins name one (the API answers anyone else 403); members and residents leave it out. */
export function namesBusinessDate(role: Role | null | undefined): boolean {
  return role === 'admin' || role === 'community_admin' || role === 'unit_admin'
}

/** The optional 业务日期 picker of an action dialog, for admins only. */
export function businessDateFields(role: Role | null | undefined, key: string): ActionField[] {
  return namesBusinessDate(role) ? [{ key, label: '业务日期', type: 'business-date' }] : []
}

/** `{ [key]: 'YYYY-MM-DD' }` when a day was picked, else nothing (the API's today). */
export function businessDateBody<K extends string>(values: ActionValues, key: K): Partial<Record<K, string>> {
  const day = values[key]
  return typeof day === 'string' && day ? ({ [key]: day } as Partial<Record<K, string>>) : {}
}

/** For date pickers: days after today (in Shanghai) can't be picked. */
export function afterToday(today: string): (day: Date) => boolean {
  return (day: Date) => {
    const iso = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`
    return iso > today
  }
}
