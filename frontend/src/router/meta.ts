import type { Component } from 'vue'
import type { Role } from '@/api/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title (Chinese), also the menu label. */
    title?: string
    /** Reachable without signing in. */
    public?: boolean
    /** Shown alone, without the header and menu (a public page, a poster to print, a projector view). */
    bare?: boolean
    /** Roles that may open the page; absent: every signed-in role. */
    roles?: Role[]
    /** Shown in the side menu, in this order, with this icon. */
    menu?: { order: number; icon: Component }
  }
}

export {}
