import type { RouteRecordRaw } from 'vue-router'
import { Avatar, UserFilled } from '@element-plus/icons-vue'

export default [
  {
    path: 'members',
    name: 'members',
    component: () => import('./MembersView.vue'),
    meta: { title: '党员管理', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '组织与党员', order: 25, icon: Avatar } },
  },
  {
    path: 'me/profile',
    name: 'my-profile',
    component: () => import('./MyProfileView.vue'),
    meta: { title: '我的档案', roles: ['member'], menu: { group: '工作台', order: 1, icon: UserFilled } },
  },
  {
    path: 'members/:id(\\d+)',
    name: 'member',
    component: () => import('./MemberDetailView.vue'),
    props: (route) => ({ memberId: Number(route.params.id) }),
    meta: { title: '党员档案' },
  },
] satisfies RouteRecordRaw[]
