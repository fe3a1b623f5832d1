import type { RouteRecordRaw } from 'vue-router'
import { HomeFilled } from '@element-plus/icons-vue'

export default [
  { path: '', name: 'home', component: () => import('./HomeView.vue'), meta: { title: '首页', menu: { order: 0, icon: HomeFilled } } },
] satisfies RouteRecordRaw[]
