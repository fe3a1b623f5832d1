import type { RouteRecordRaw } from 'vue-router'
import { Calendar, Finished } from '@element-plus/icons-vue'

export default [
  {
    path: 'meetings',
    name: 'meetings',
    component: () => import('./MeetingsView.vue'),
    meta: { title: '联席会议', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '会议与考评', order: 70, icon: Calendar } },
  },
  {
    path: 'meetings/:id(\\d+)',
    name: 'meeting',
    component: () => import('./MeetingDetailView.vue'),
    props: (route) => ({ meetingId: Number(route.params.id) }),
    meta: { title: '例会详情', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'] },
  },
  {
    path: 'tasks',
    name: 'tasks',
    component: () => import('./TasksView.vue'),
    meta: { title: '分工任务', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '会议与考评', order: 71, icon: Finished } },
  },
] satisfies RouteRecordRaw[]
