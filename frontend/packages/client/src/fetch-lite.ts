/**
 * Just enough of the Fetch API (Headers, Request, Response) for the client to run where there is
 * none — the WeChat mini-program, whose only transport is `wx.request`. Bodies are strings (the
 * client sends JSON or form-encoded text); no streams, no FormData.
 */

type HeadersInitLite = LiteHeaders | Record<string, string> | [string, string][] | undefined

export class LiteHeaders {
  private readonly map = new Map<string, [string, string]>()

  constructor(init?: HeadersInitLite | Iterable<[string, string]>) {
    if (!init) return
    const entries =
      init instanceof LiteHeaders
        ? init.entries()
        : Symbol.iterator in Object(init)
          ? (init as Iterable<[string, string]>)
          : Object.entries(init as Record<string, string>)
    for (const [name, value] of entries) this.append(name, value)
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase())?.[1] ?? null
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase())
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), [name, String(value)])
  }

  append(name: string, value: string): void {
    const current = this.get(name)
    this.set(name, current === null ? String(value) : `${current}, ${value}`)
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase())
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [key, [, value]] of this.map) yield [key, value]
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name)
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }

  /** A plain object, as `wx.request`'s `header` option wants. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [, [name, value]] of this.map) out[name] = value
    return out
  }
}

interface RequestInitLite {
  method?: string
  headers?: HeadersInitLite
  body?: string | null
  [key: string]: unknown
}

export class LiteRequest {
  readonly url: string
  readonly method: string
  readonly headers: LiteHeaders
  private readonly bodyText: string | null

  constructor(input: string | LiteRequest, init: RequestInitLite = {}) {
    const base = typeof input === 'string' ? null : input
    this.url = base ? base.url : String(input)
    this.method = (init.method ?? base?.method ?? 'GET').toUpperCase()
    this.headers = new LiteHeaders(init.headers ?? base?.headers)
    const body = init.body !== undefined ? init.body : (base?.bodyText ?? null)
    if (body !== null && typeof body !== 'string') throw new TypeError('LiteRequest bodies are strings')
    this.bodyText = body
  }

  get body(): string | null {
    return this.bodyText
  }

  clone(): LiteRequest {
    return new LiteRequest(this)
  }

  async text(): Promise<string> {
    return this.bodyText ?? ''
  }
}

export class LiteResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: LiteHeaders
  readonly body = null
  private readonly bodyText: string

  constructor(body: string | null, init: { status?: number; statusText?: string; headers?: HeadersInitLite } = {}) {
    this.bodyText = body ?? ''
    this.status = init.status ?? 200
    this.statusText = init.statusText ?? ''
    this.headers = new LiteHeaders(init.headers)
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  async text(): Promise<string> {
    return this.bodyText
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bodyText)
  }

  clone(): LiteResponse {
    return new LiteResponse(this.bodyText, { status: this.status, statusText: this.statusText, headers: this.headers })
  }
}

/**
 * openapi-fetch reaches for the globals `Headers` and `FormData` (`instanceof`) when it builds a
 * request; where they don't exist (the mini-program), give it the lite ones. Never replaces real ones.
 */
export function ensureFetchGlobals(): void {
  const g = globalThis as Record<string, unknown>
  if (typeof g.Headers !== 'function') g.Headers = LiteHeaders
  if (typeof g.FormData !== 'function') g.FormData = class FormDataUnavailable {}
}
