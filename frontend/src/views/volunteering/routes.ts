import type { RouteRecordRaw } from 'vue-router'
import { EditPen, Histogram, Postcard, Timer } from '@element-plus/icons-vue'

export default [
  {
    path: 'volunteer-records',
    name: 'volunteer-records',
    component: () => import('./RecordsView.vue'),
    meta: { title: '志愿服务记录', menu: { group: '志愿服务', order: 64, icon: Timer } },
  },
  {
    path: 'volunteer-records/:id(\\d+)',
    name: 'volunteer-record',
    component: () => import('./RecordDetailView.vue'),
    props: (route) => ({ recordId: Number(route.params.id) }),
    meta: { title: '志愿服务记录详情' },
  },
  {
    path: 'volunteer-correction-requests',
    name: 'volunteer-correction-requests',
    component: () => import('./CorrectionRequestsView.vue'),
    meta: { title: '记录更正申请', menu: { group: '志愿服务', order: 65, icon: EditPen } },
  },
  {
    path: 'volunteer-certificate-requests',
    name: 'volunteer-certificate-requests',
    component: () => import('./CertificateRequestsView.vue'),
    meta: { title: '证明申请', menu: { group: '志愿服务', order: 65.5, icon: Postcard } },
  },
  {
    path: 'verify/:number([0-9A-Z-]{1,32})',
    name: 'verify',
    component: () => import('./VerifyView.vue'),
    props: true,
    meta: { title: '查验志愿服务证明', public: true, bare: true },
  },
  {
    path: 'volunteer-hours',
    name: 'volunteer-hours',
    component: () => import('./HoursSummaryView.vue'),
    meta: { title: '志愿时长汇总', roles: ['admin', 'community_admin', 'unit_admin', 'district_admin', 'street_admin'], menu: { group: '志愿服务', order: 66, icon: Histogram } },
  },
] satisfies RouteRecordRaw[]
