import type { RouteRecordRaw } from 'vue-router'
import { Flag } from '@element-plus/icons-vue'

export default [
  {
    path: 'activities',
    name: 'activities',
    component: () => import('./ActivitiesView.vue'),
    meta: { title: '活动', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin', 'member'], menu: { group: '共建服务', order: 62, icon: Flag } },
  },
  {
    path: 'activities/:id(\\d+)',
    name: 'activity',
    component: () => import('./ActivityDetailView.vue'),
    props: (route) => ({ activityId: Number(route.params.id) }),
    meta: { title: '活动详情', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin', 'member'] },
  },
  {
    path: 'activities/:id(\\d+)/poster',
    name: 'activity-poster',
    component: () => import('./ActivityPosterView.vue'),
    props: (route) => ({ activityId: Number(route.params.id) }),
    meta: { title: '签到海报', roles: ['admin', 'community_admin', 'unit_admin'], bare: true },
  },
  {
    path: 'activities/:id(\\d+)/projector',
    name: 'activity-projector',
    component: () => import('./ActivityProjectorView.vue'),
    props: (route) => ({ activityId: Number(route.params.id) }),
    meta: { title: '签到投屏', roles: ['admin', 'community_admin', 'unit_admin'], bare: true },
  },
] satisfies RouteRecordRaw[]
