/** Who is signed in: login, logout and the `/me` identity, shared by the router guard and the layout. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { asProblem, login as loginRequest, logout as logoutRequest, type Problem, type Schemas } from '@gongjian/client'
import { api } from './client'
import { clearTokens, saveTokens, tokens } from './tokens'

export type Me = Schemas['MeRead']
export type Role = Schemas['Role']

export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  const signedIn = computed(() => Boolean(tokens.access))
  const role = computed<Role | null>(() => me.value?.role ?? null)
  const isAdmin = computed(() => role.value === 'admin')
  /** A district's or street's admin: reads everything under its organisation, manages its organisations and admins. */
  const isAreaAdmin = computed(() => role.value === 'district_admin' || role.value === 'street_admin')

  /** Signs in; resolves to the problem when the API refused, or null on success. */
  async function login(username: string, password: string): Promise<Problem | null> {
    const { data, error, response } = await loginRequest(api, username, password).catch((e: unknown) => ({
      data: undefined,
      error: e,
      response: undefined,
    }))
    if (!data) return asProblem(error, response?.status)
    saveTokens(data)
    me.value = null
    return loadMe()
  }

  /** Loads `/me`; resolves to the problem when it fails (the tokens are then dropped). */
  async function loadMe(): Promise<Problem | null> {
    const { data, error, response } = await api.GET('/api/v1/me')
    if (!data) {
      if (response.status === 401) clearTokens()
      return asProblem(error, response.status)
    }
    me.value = data
    return null
  }

  /** Signs out: the API ends the login (its refresh tokens stop working), then this tab forgets it.
   * Signed out locally even when the API can't be reached. */
  async function logout(): Promise<void> {
    const refresh = tokens.refresh
    clearTokens()
    me.value = null
    if (refresh) await logoutRequest(api, refresh).catch(() => false)
  }

  /** The session ended elsewhere (refresh refused): forget who was signed in. */
  function forget(): void {
    me.value = null
  }

  return { me, signedIn, role, isAdmin, isAreaAdmin, login, loadMe, logout, forget }
})
