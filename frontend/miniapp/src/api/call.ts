/** One shape for every API call a screen makes: `{ data }` or `{ problem }`, network errors included. */
import { asProblem, type Problem } from '@gongjian/client'

export type Result<T> = { data: T; problem?: undefined } | { data?: undefined; problem: Problem }

export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: { status: number } }>): Promise<Result<T>> {
  try {
    const { data, error, response } = await request
    if (response.status >= 200 && response.status < 300) return { data: data as T }
    return { problem: asProblem(error, response.status) }
  } catch (error) {
    return { problem: asProblem(error) }
  }
}

/** An Idempotency-Key for a create a phone may retry on a bad connection (not crypto-strong; unique enough). */
export function idempotencyKey(): string {
  const random = () => Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')
  return `${Date.now().toString(16)}-${random()}-${random()}`
}
