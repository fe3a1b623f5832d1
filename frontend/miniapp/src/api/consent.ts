/**
 * Subscription-message consent (订阅消息), asked at the moment it matters: after signing up
 * (activity reminder), after reporting (report approved or rejected), after claiming a wish, and —
 * for residents — after posting a wish or a concern.
 *
 * The API side (`POST /me/notification-consents`, template ids from the server's settings) is issue
 * 15's item 5 and is not on this branch yet: until it lands `askConsent` does nothing. When it does,
 * this is the one place to fill in — read the template ids from the API, call
 * `uni.requestSubscribeMessage({ tmplIds })` in the mini-program (it must run in the tap's handler),
 * and record the accepted ones with the API. Screens already call it at the right moments.
 */
export type ConsentMoment = 'activity_signed_up' | 'report_submitted' | 'wish_claimed' | 'resident_posted'

export async function askConsent(moment: ConsentMoment): Promise<void> {
  void moment
}
