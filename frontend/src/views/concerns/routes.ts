import type { RouteRecordRaw } from 'vue-router'
import { ChatLineSquare } from '@element-plus/icons-vue'

export default [
  {
    path: 'concerns',
    name: 'concerns',
    component: () => import('./ConcernsView.vue'),
    meta: { title: '社情民意', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '共建服务', order: 72, icon: ChatLineSquare } },
  },
] satisfies RouteRecordRaw[]
