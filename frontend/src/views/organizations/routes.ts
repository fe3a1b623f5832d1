import type { RouteRecordRaw } from 'vue-router'
import { OfficeBuilding } from '@element-plus/icons-vue'

export default [
  {
    path: 'organizations',
    name: 'organizations',
    component: () => import('./OrganizationsView.vue'),
    meta: { title: '党组织', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '组织与党员', order: 20, icon: OfficeBuilding } },
  },
] satisfies RouteRecordRaw[]
