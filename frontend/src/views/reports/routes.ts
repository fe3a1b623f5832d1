import type { RouteRecordRaw } from 'vue-router'
import { Stamp } from '@element-plus/icons-vue'

export default [
  {
    path: 'reports',
    name: 'reports',
    component: () => import('./ReportsView.vue'),
    meta: { title: '报到申请', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '组织与党员', order: 26, icon: Stamp } },
  },
  {
    path: 'reports/poster/:communityId(\\d+)',
    name: 'report-code-poster',
    component: () => import('./ReportCodePosterView.vue'),
    props: (route) => ({ communityId: Number(route.params.communityId) }),
    meta: { title: '报到海报', roles: ['admin', 'community_admin'], bare: true },
  },
] satisfies RouteRecordRaw[]
