import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { useColumnSettings } from '@/composables/useColumnSettings'

const COLUMNS = [
  { key: 'name', label: '姓名', required: true },
  { key: 'gender', label: '性别' },
  { key: 'phone', label: '手机号' },
]

beforeEach(() => localStorage.clear())

describe('column settings', () => {
  it('shows every column until one is chosen away, and remembers the choice for the next visit', async () => {
    const first = useColumnSettings('members', COLUMNS)
    expect(first.visible.value).toEqual(['gender', 'phone'])
    expect(first.choices.map((c) => c.key)).toEqual(['gender', 'phone'])
    first.visible.value = ['gender']
    await nextTick()
    expect(first.shown('phone')).toBe(false)
    const again = useColumnSettings('members', COLUMNS)
    expect(again.shown('phone')).toBe(false)
    expect(again.shown('gender')).toBe(true)
    expect(again.shown('name')).toBe(true)
    // Another list keeps its own choice.
    expect(useColumnSettings('volunteer-records', COLUMNS).shown('phone')).toBe(true)
  })
  it('never hides a required column, ignores what it does not know, and resets to all', async () => {
    localStorage.setItem('gongjian.columns.members', JSON.stringify(['name', 'gone', 'phone']))
    const settings = useColumnSettings('members', COLUMNS)
    expect(settings.shown('name')).toBe(true)
    expect(settings.visible.value).toEqual(['gender'])
    settings.reset()
    await nextTick()
    expect(settings.visible.value).toEqual(['gender', 'phone'])
    expect(JSON.parse(localStorage.getItem('gongjian.columns.members')!)).toEqual([])
    localStorage.setItem('gongjian.columns.members', 'not json')
    expect(useColumnSettings('members', COLUMNS).visible.value).toEqual(['gender', 'phone'])
  })
})
