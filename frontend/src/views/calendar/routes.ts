import type { RouteRecordRaw } from 'vue-router'
import { Calendar } from '@element-plus/icons-vue'

export default [
  {
    path: 'settings/calendar',
    name: 'calendar',
    component: () => import('./CalendarView.vue'),
    meta: { title: '工作日日历', roles: ['admin'], menu: { group: '系统管理', order: 95, icon: Calendar } },
  },
] satisfies RouteRecordRaw[]
