/** The API's Chinese labels of every enum (`/meta/enums`), loaded once; screens never hard-code them. */
import { reactive } from 'vue'
import { api } from '@/api/session'
import { call } from '@/api/call'

const labels = reactive<Record<string, Record<string, string>>>({})
let loading: Promise<void> | null = null

export function loadEnums(): Promise<void> {
  if (!loading) {
    loading = call(api.GET('/api/v1/meta/enums')).then((result) => {
      if (!result.data) {
        loading = null
        return
      }
      for (const info of result.data.enums) {
        labels[info.name] = Object.fromEntries(info.values.map((v) => [v.code, v.label]))
      }
    })
  }
  return loading
}

/** The label of `value` in enum `name` (the code itself until the labels have loaded). */
export function label(name: string, value: string | null | undefined): string {
  if (value == null) return ''
  return labels[name]?.[value] ?? value
}

/** The values of enum `name` with their labels, in the API's order. */
export function options(name: string): { value: string; label: string }[] {
  return Object.entries(labels[name] ?? {}).map(([value, text]) => ({ value, label: text }))
}
