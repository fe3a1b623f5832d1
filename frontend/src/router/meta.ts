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
    /** Shown in the side menu, in this order, with this icon, under this group's title (none: at the top). */
    menu?: { order: number; icon: Component; group?: MenuGroup }
  }
}

/** The side menu's groups, in the order they are shown. */
export const MENU_GROUPS = ['工作台', '组织与党员', '共建服务', '志愿服务', '会议与考评', '系统管理'] as const
export type MenuGroup = (typeof MENU_GROUPS)[number]

