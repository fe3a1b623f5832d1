import type { RouteRecordRaw } from 'vue-router'
import { Medal } from '@element-plus/icons-vue'

export default [
  {
    path: 'evaluation-periods',
    name: 'evaluation-periods',
    component: () => import('./PeriodsView.vue'),
    meta: { title: '双向考评', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin', 'member'], menu: { group: '会议与考评', order: 68, icon: Medal } },
  },
  {
    path: 'evaluation-periods/:id(\\d+)',
    name: 'evaluation-period',
    component: () => import('./PeriodDetailView.vue'),
    props: (route) => ({ periodId: Number(route.params.id) }),
    meta: { title: '考评周期', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin', 'member'] },
  },
  {
    path: 'evaluation-periods/:id(\\d+)/grid',
    name: 'evaluation-grid',
    component: () => import('./ScoringGridView.vue'),
    props: (route) => ({ periodId: Number(route.params.id) }),
    meta: { title: '表格评分', roles: ['community_admin', 'unit_admin'] },
  },
] satisfies RouteRecordRaw[]
