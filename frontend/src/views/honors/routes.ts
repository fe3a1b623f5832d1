import type { RouteRecordRaw } from 'vue-router'
import { Trophy } from '@element-plus/icons-vue'

export default [
  {
    path: 'honors',
    name: 'honors',
    component: () => import('./HonorsView.vue'),
    meta: { title: '荣誉', menu: { group: '会议与考评', order: 73, icon: Trophy } },
  },
] satisfies RouteRecordRaw[]
