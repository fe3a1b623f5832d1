/**
 * Which columns of a wide list are shown, chosen by the person and remembered in this browser
 * (localStorage, one key per list). Columns not chosen away are shown, so a column added later
 * appears by default; required columns (the name that opens the row, 操作) can't be hidden.
 */
import { computed, ref, watch } from 'vue'

export interface ColumnChoice {
  key: string
  label: string
  /** Always shown: not offered in the settings. */
  required?: boolean
}

const PREFIX = 'gongjian.columns.'

function readHidden(list: string): string[] {
  try {
    const raw = JSON.parse(localStorage.getItem(PREFIX + list) ?? '[]')
    return Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : []
  } catch {
    return []
  }
}

export function useColumnSettings(list: string, columns: readonly ColumnChoice[]) {
  const known = new Set(columns.filter((c) => !c.required).map((c) => c.key))
  const hidden = ref<string[]>(readHidden(list).filter((k) => known.has(k)))
  watch(hidden, (keys) => localStorage.setItem(PREFIX + list, JSON.stringify(keys)), { deep: true })

  /** Whether column `key` is shown. */
  function shown(key: string): boolean {
    return !hidden.value.includes(key)
  }
  /** The keys shown, for the settings' checkboxes (`v-model`). */
  const visible = computed<string[]>({
    get: () => columns.filter((c) => !c.required && shown(c.key)).map((c) => c.key),
    set: (keys) => (hidden.value = columns.filter((c) => !c.required && !keys.includes(c.key)).map((c) => c.key)),
  })
  const choices = columns.filter((c) => !c.required)
  function reset(): void {
    hidden.value = []
  }
  return { shown, visible, choices, reset }
}
