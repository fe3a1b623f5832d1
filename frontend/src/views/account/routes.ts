import type { RouteRecordRaw } from 'vue-router'

export default [
  { path: 'account', name: 'account', component: () => import('./AccountView.vue'), meta: { title: '我的账号' } },
] satisfies RouteRecordRaw[]
