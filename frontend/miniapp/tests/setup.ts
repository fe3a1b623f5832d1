import { beforeEach, vi } from 'vitest'
import { createFakeUni } from './fakeUni'

// Each test file gets a fresh fake `uni` (modules that read storage at import see it).
const fake = createFakeUni()
vi.stubGlobal('uni', fake.uni)
;(globalThis as Record<string, unknown>).__fakeUni = fake

beforeEach(() => {
  fake.calls.length = 0
})
