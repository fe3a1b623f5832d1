import type { RouteRecordRaw } from 'vue-router'

export default [
  { path: '/login', name: 'login', component: () => import('./LoginView.vue'), meta: { title: '登录', public: true } },
] satisfies RouteRecordRaw[]
