import { appRoutes } from '@/router'
import type { MenuGroup } from '@/router/meta'

export interface MenuEntry {
  path: string
  title: string
  group?: MenuGroup
}

/** The menu entry a path belongs to: its own, or the list a detail page was opened from (`/members/5` → 党员管理). */
export function menuTrail(path: string): MenuEntry | undefined {
  let best: MenuEntry | undefined
  for (const r of appRoutes) {
    if (!r.meta?.menu) continue
    const own = `/${r.path}`.replace('//', '/')
    const hit = path === own || (own !== '/' && path.startsWith(`${own}/`))
    if (hit && (!best || own.length > best.path.length)) best = { path: own, title: r.meta.title!, group: r.meta.menu.group }
  }
  return best
}
