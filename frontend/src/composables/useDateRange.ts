/**
 * A date-range picker over two day filters of a paged list (`field.day()` each, such as
 * `held_from` / `held_until`): it shows the range once both ends are set, and picking or clearing
 * a range applies the filters at once.
 */
import { computed, type WritableComputedRef } from 'vue'

/** The keys of `D` whose values are strings (the day filters). */
type DayKey<D> = { [K in keyof D]: D[K] extends string ? K : never }[keyof D]

export interface RangeList<D> {
  draft: D
  apply(patch: Partial<D>): Promise<unknown>
}

export function useDateRange<D extends object>(list: RangeList<D>, from: DayKey<D>, until: DayKey<D>): WritableComputedRef<[string, string] | null> {
  const day = (key: DayKey<D>) => list.draft[key] as string
  return computed({
    get: (): [string, string] | null => (day(from) && day(until) ? [day(from), day(until)] : null),
    set: (range: [string, string] | null) => void list.apply({ [from]: range?.[0] ?? '', [until]: range?.[1] ?? '' } as Partial<D>),
  })
}
