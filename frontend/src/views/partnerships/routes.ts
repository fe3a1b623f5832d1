import type { RouteRecordRaw } from 'vue-router'
import { Connection } from '@element-plus/icons-vue'

export default [
  {
    path: 'partnerships',
    name: 'partnerships',
    component: () => import('./PartnershipsView.vue'),
    meta: { title: '共建关系', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '组织与党员', order: 30, icon: Connection } },
  },
] satisfies RouteRecordRaw[]
