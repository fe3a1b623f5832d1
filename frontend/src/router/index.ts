/**
 * Routes are gathered from each domain's `views/<domain>/routes.ts`: a new domain is a new folder
 * of views plus its routes file, and its menu entry follows from the route's `meta.menu`.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import './meta'
import { onSessionEnded } from '@/api/client'
import { useAuthStore } from '@/api/auth'
import { tokens } from '@/api/tokens'
import AppLayout from '@/components/AppLayout.vue'
import authRoutes from '@/views/auth/routes'

const domainModules = import.meta.glob<{ default: RouteRecordRaw[] }>('../views/*/routes.ts', { eager: true })
export const appRoutes: RouteRecordRaw[] = Object.entries(domainModules)
  .filter(([path]) => !path.includes('/auth/'))
  .flatMap(([, mod]) => mod.default)

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  { path: '/', component: AppLayout, children: appRoutes },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const auth = useAuthStore()
  if (!tokens.access) return { name: 'login', query: { redirect: to.fullPath } }
  if (!auth.me) {
    const problem = await auth.loadMe()
    if (problem) return { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.roles && auth.role && !to.meta.roles.includes(auth.role)) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 共建` : '共建'
})

// The refresh token was refused mid-session: back to login, and back here after signing in.
onSessionEnded(() => {
  useAuthStore().forget()
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace({ name: 'login', query: { redirect: current.fullPath } })
})
