/** Where the app goes: after signing in, and when a screen finds nobody signed in. */
import { tokens } from '@/api/session'
import { needsReport } from '@/stores/session'

export const HOME = '/pages/home/index'
export const LOGIN = '/pages/login/index'

export function afterSignIn(): void {
  uni.switchTab({ url: HOME })
}

/** True when someone is signed in; otherwise sends the app to the login screen. */
export function requireSignIn(): boolean {
  if (tokens.access) return true
  uni.reLaunch({ url: LOGIN })
  return false
}

/** A screen that needs a member profile: a member that has not reported yet goes to 首页's 报到 prompt. */
export function requireMemberProfile(): boolean {
  if (!requireSignIn()) return false
  if (needsReport.value) {
    uni.switchTab({ url: HOME })
    return false
  }
  return true
}
