import type { RouteRecordRaw } from 'vue-router'
import { Key } from '@element-plus/icons-vue'

export default [
  {
    path: 'api-keys',
    name: 'api-keys',
    component: () => import('./ApiKeysView.vue'),
    meta: { title: 'API 密钥', roles: ['admin'], menu: { group: '系统管理', order: 80, icon: Key } },
  },
] satisfies RouteRecordRaw[]
