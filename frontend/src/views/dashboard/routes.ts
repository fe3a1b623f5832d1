import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis } from '@element-plus/icons-vue'

export default [
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('./DashboardView.vue'),
    meta: { title: '年度统计', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '工作台', order: 5, icon: DataAnalysis } },
  },
] satisfies RouteRecordRaw[]
