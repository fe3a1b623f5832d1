import type { RouteRecordRaw } from 'vue-router'
import { Grid, Tickets } from '@element-plus/icons-vue'

export default [
  {
    path: 'claim-board',
    name: 'claim-board',
    component: () => import('./ClaimBoardView.vue'),
    meta: { title: '双向认领清单', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '共建服务', order: 50, icon: Grid } },
  },
  {
    path: 'claims',
    name: 'claims',
    component: () => import('./ClaimsView.vue'),
    meta: { title: '认领管理', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '共建服务', order: 51, icon: Tickets } },
  },
] satisfies RouteRecordRaw[]
