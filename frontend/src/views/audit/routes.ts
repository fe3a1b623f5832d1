import type { RouteRecordRaw } from 'vue-router'
import { Document } from '@element-plus/icons-vue'

export default [
  {
    path: 'audit',
    name: 'audit',
    component: () => import('./AuditView.vue'),
    meta: { title: '审计日志', roles: ['admin'], menu: { group: '系统管理', order: 90, icon: Document } },
  },
] satisfies RouteRecordRaw[]
