/** Chinese labels of every enum, from `GET /meta/enums` — the SPA never hard-codes them. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Schemas } from '@gongjian/client'
import { api } from '@/api/client'

export type EnumValue = Schemas['EnumValue']

export const useEnumsStore = defineStore('enums', () => {
  const byName = ref<Record<string, EnumValue[]>>({})
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    if (!loading) {
      loading = api.GET('/api/v1/meta/enums').then(({ data }) => {
        if (!data) {
          loading = null // try again on the next call
          return
        }
        byName.value = Object.fromEntries(data.enums.map((e) => [e.name, e.values]))
      })
    }
    return loading
  }

  function options(name: string): EnumValue[] {
    return byName.value[name] ?? []
  }

  /** The label of `code` in enum `name`; the code itself until the labels have loaded. */
  function label(name: string, code: string | null | undefined): string {
    if (code == null) return ''
    return options(name).find((v) => v.code === code)?.label ?? code
  }

  return { byName, load, options, label }
})
