import type { RouteRecordRaw } from 'vue-router'
import { Trophy } from '@element-plus/icons-vue'

export default [
  {
    path: 'honors',
    name: 'honors',
    component: () => import('./HonorsView.vue'),
    meta: { title: '荣誉', menu: { order: 73, icon: Trophy } },
  },
] satisfies RouteRecordRaw[]
