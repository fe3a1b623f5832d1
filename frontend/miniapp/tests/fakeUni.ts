/**
 * A fake `uni` for unit tests: storage in a Map, and `request` answered by a route table the test
 * fills in (`routes['GET /api/v1/me'] = (call) => [200, body]`); every call is recorded.
 */
export type Call = { method: string; path: string; url: string; header: Record<string, string>; data?: string }
export type Handler = (call: Call) => [number, unknown] | Promise<[number, unknown]>

export function createFakeUni() {
  const storage = new Map<string, unknown>()
  const routes: Record<string, Handler> = {}
  const calls: Call[] = []
  /** What WeChat's subscription dialog answers (template id → accept / reject / …), or 'fail'. */
  const subscribe: { answer: Record<string, string> | 'fail'; asked: string[][] } = { answer: {}, asked: [] }
  /** What the person answers to `uni.showModal` (confirm or not), and the titles asked. */
  const modal: { confirm: boolean; asked: string[] } = { confirm: true, asked: [] }
  /** The titles of the toasts shown. */
  const toasts: string[] = []
  const uni = {
    getStorageSync: (key: string) => storage.get(key) ?? '',
    setStorageSync: (key: string, value: unknown) => void storage.set(key, value),
    removeStorageSync: (key: string) => void storage.delete(key),
    request(o: { url: string; method?: string; header?: Record<string, string>; data?: string; success?: (r: unknown) => void; fail?: (e: unknown) => void }) {
      const header = Object.fromEntries(Object.entries(o.header ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
      const path = o.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
      const call: Call = { method: o.method ?? 'GET', path, url: o.url, header, data: o.data }
      calls.push(call)
      const handler = routes[`${call.method} ${path}`]
      setTimeout(async () => {
        if (!handler) return o.success?.({ statusCode: 404, data: JSON.stringify({ type: 'about:blank', title: '未找到', status: 404, code: 'not_found' }) })
        try {
          const [status, body] = await handler(call)
          o.success?.({ statusCode: status, data: body === undefined ? '' : JSON.stringify(body), header: {} })
        } catch (error) {
          o.fail?.({ errMsg: String(error) })
        }
      }, 0)
      return {}
    },
    uploadFile() {
      throw new Error('not used here')
    },
    requestSubscribeMessage(o: { tmplIds: string[]; success?: (r: unknown) => void; fail?: (e: unknown) => void }) {
      subscribe.asked.push([...o.tmplIds])
      const answer = subscribe.answer
      setTimeout(() => (answer === 'fail' ? o.fail?.({ errMsg: 'requestSubscribeMessage:fail' }) : o.success?.({ errMsg: 'requestSubscribeMessage:ok', ...answer })), 0)
    },
    showModal(o: { title?: string; success?: (r: { confirm: boolean; cancel: boolean }) => void }) {
      modal.asked.push(o.title ?? '')
      const confirm = modal.confirm
      setTimeout(() => o.success?.({ confirm, cancel: !confirm }), 0)
    },
    showToast: (o: { title?: string }) => void toasts.push(o.title ?? ''),
    reLaunch: () => undefined,
    switchTab: () => undefined,
  }
  return { uni, storage, routes, calls, subscribe, modal, toasts }
}

export const problem = (status: number, code: string, title = '出错了', extra: Record<string, unknown> = {}) => ({
  type: 'about:blank',
  title,
  status,
  code,
  ...extra,
})
