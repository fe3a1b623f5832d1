import { describe, expect, it } from 'vitest'
import { formatDateTime, isoToPicker, pickerToIso, shanghaiDate, shanghaiDayEnd, shanghaiDayStart, shanghaiYear } from '@/composables/format'

describe('Shanghai time', () => {
  it('shows instants as Shanghai wall-clock time, whatever the runner’s zone', () => {
    expect(formatDateTime('2024-03-01T02:05:00Z')).toBe('2024-03-01 10:05')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('not a time')).toBe('not a time')
  })
  it('finds the Shanghai day and year of an instant', () => {
    // 2016-12-31 17:00 UTC is already 2017 in Shanghai.
    expect(shanghaiDate(new Date('2016-12-31T17:00:00Z'))).toBe('2017-01-01')
    expect(shanghaiYear(new Date('2016-12-31T17:00:00Z'))).toBe(2017)
    expect(shanghaiYear(new Date('2016-12-31T15:59:00Z'))).toBe(2016)
  })
  it('bounds a Shanghai day for since/until filters, the end taking in the whole day', () => {
    expect(shanghaiDayStart('2017-03-05')).toBe('2017-03-05T00:00:00+08:00')
    expect(shanghaiDayEnd('2017-03-05')).toBe('2017-03-06T00:00:00+08:00')
    expect(shanghaiDayEnd('2016-02-28')).toBe('2016-02-29T00:00:00+08:00')
    expect(shanghaiDayEnd('2016-12-31')).toBe('2017-01-01T00:00:00+08:00')
  })
  it('reads the date-time picker as Shanghai wall-clock time and back', () => {
    expect(pickerToIso('2017-03-05 09:30')).toBe('2017-03-05T09:30:00+08:00')
    expect(pickerToIso('')).toBeUndefined()
    expect(pickerToIso(null)).toBeUndefined()
    expect(pickerToIso('2017-03-05')).toBeUndefined()
    expect(isoToPicker('2017-03-05T01:30:00Z')).toBe('2017-03-05 09:30')
    expect(isoToPicker(pickerToIso('2026-11-27 23:55'))).toBe('2026-11-27 23:55')
  })
})
