import type { RouteRecordRaw } from 'vue-router'
import { Present } from '@element-plus/icons-vue'

export default [
  {
    path: 'wishes',
    name: 'wishes',
    component: () => import('./WishesView.vue'),
    meta: { title: '微心愿', menu: { group: '共建服务', order: 60, icon: Present } },
  },
] satisfies RouteRecordRaw[]
