import type { RouteRecordRaw } from 'vue-router'
import { User } from '@element-plus/icons-vue'

export default [
  {
    path: 'users',
    name: 'users',
    component: () => import('./UsersView.vue'),
    meta: { title: '账号管理', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '组织与党员', order: 40, icon: User } },
  },
] satisfies RouteRecordRaw[]
