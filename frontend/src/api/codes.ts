/**
 * Runtime lists of the API's enum and sort codes, for URL-query validation. Labels are never here
 * (they come from `/meta/enums`). Each list is checked against the generated types to be complete:
 * a code added to the API and missing here fails the type check.
 */
import type { Schemas } from '@gongjian/client'

function allOf<T extends string>() {
  return <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : 'missing codes')): A =>
    values
}

export const ORGANIZATION_KINDS = allOf<Schemas['OrganizationKind']>()(['district', 'street', 'community', 'unit', 'social'])
export const ORGANIZATION_SORTS = allOf<Schemas['OrganizationSort']>()(['name', '-name', 'created_at', '-created_at', 'id', '-id'])
export const PARTNERSHIP_SORTS = allOf<Schemas['PartnershipSort']>()(['start_date', '-start_date', 'id', '-id'])
export const ROLES = allOf<Schemas['Role']>()(['admin', 'district_admin', 'street_admin', 'community_admin', 'unit_admin', 'member', 'resident'])
export const USER_SORTS = allOf<Schemas['UserSort']>()(['username', '-username', 'created_at', '-created_at'])
export const ACTOR_TYPES = allOf<Schemas['ActorType']>()(['user', 'api_key', 'system', 'wechat'])
export const AUDIT_ACTIONS = allOf<Schemas['AuditAction']>()([
  'create',
  'update',
  'archive',
  'restore',
  'deactivate',
  'activate',
  'reset_password',
  'change_password',
  'revoke',
  'login',
  'login_failed',
  'logout',
  'delete',
])
export const MEMBER_CATEGORIES = allOf<Schemas['MemberCategory']>()(['in_service', 'retired', 'unemployed', 'mobile', 'two_new'])
export const MEMBER_STATUSES = allOf<Schemas['MemberStatus']>()(['active', 'archived'])
export const MEMBER_SORTS = allOf<Schemas['MemberSort']>()([
  'name',
  '-name',
  'joined_party_on',
  '-joined_party_on',
  'reported_on',
  '-reported_on',
  'id',
  '-id',
])
export const SERVICE_CATEGORIES = allOf<Schemas['ServiceCategoryCode']>()(['hardship_aid', 'funding', 'volunteer', 'culture_sports', 'advice'])
export const SERVICE_DIRECTIONS = allOf<Schemas['ServiceDirection']>()(['need', 'resource'])
export const SERVICE_ITEM_STATUSES = allOf<Schemas['ServiceItemStatus']>()(['draft', 'published', 'closed'])
export const CLAIM_STATUSES = allOf<Schemas['ClaimStatus']>()(['claimed', 'in_progress', 'completed', 'verified', 'withdrawn', 'rejected'])
export const CLAIM_SORTS = allOf<Schemas['ClaimSort']>()(['created_at', '-created_at', 'id', '-id'])
export const WISH_STATUSES = allOf<Schemas['WishStatus']>()([
  'submitted',
  'verified',
  'published',
  'claimed',
  'fulfilled',
  'closed',
  'rejected',
  'cancelled',
])
export const WISH_SORTS = allOf<Schemas['WishSort']>()(['created_at', '-created_at', 'estimated_value', '-estimated_value', 'id', '-id'])
export const VOLUNTEER_RECORD_STATUSES = allOf<Schemas['VolunteerRecordStatus']>()(['pending', 'approved', 'rejected'])
export const VOLUNTEER_RECORD_SORTS = allOf<Schemas['RecordSort']>()(['ended_at', '-ended_at', 'id', '-id'])
export const CORRECTION_REQUEST_STATUSES = allOf<Schemas['CorrectionRequestStatus']>()(['open', 'accepted', 'declined'])
export const HOURS_SUMMARY_GROUPS = allOf<Schemas['SummaryGroup']>()(['member', 'organization', 'community'])
export const MEETING_KINDS = allOf<Schemas['MeetingKind']>()(['coordination', 'guidance', 'joint'])
export const MEETING_STATUSES = allOf<Schemas['MeetingStatus']>()(['planned', 'held'])
export const MEETING_SORTS = allOf<Schemas['MeetingSort']>()(['held_on', '-held_on', 'id', '-id'])
export const TASK_STATUSES = allOf<Schemas['TaskStatus']>()(['open', 'in_progress', 'done', 'overdue'])
export const TASK_SORTS = allOf<Schemas['TaskSort']>()(['due_on', '-due_on', 'id', '-id'])
export const CONCERN_CATEGORIES = allOf<Schemas['ConcernCategory']>()([
  'sanitation',
  'petition_stability',
  'infrastructure',
  'party_building',
  'safety',
  'other',
])
export const CONCERN_STATUSES = allOf<Schemas['ConcernStatus']>()(['reported', 'in_progress', 'escalated', 'resolved', 'cancelled'])
export const CONCERN_SORTS = allOf<Schemas['ConcernSort']>()(['reported_at', '-reported_at', 'due_on', '-due_on', 'id', '-id'])
export const HONOR_LEVELS = allOf<Schemas['HonorLevel']>()(['national', 'provincial', 'city', 'district'])
export const HONOR_RECIPIENT_KINDS = allOf<Schemas['HonorRecipientKind']>()(['community', 'organization', 'team', 'member'])
export const HONOR_SORTS = allOf<Schemas['HonorSort']>()(['awarded_on', '-awarded_on', 'id', '-id'])
export const ACTIVITY_KINDS = allOf<Schemas['ActivityKind']>()([
  'volunteer_service',
  'legal_publicity',
  'visit',
  'reception',
  'performance',
  'exhibition',
  'sports_match',
  'micro_report',
  'other',
])
export const ACTIVITY_STATUSES = allOf<Schemas['ActivityStatus']>()(['planned', 'open', 'finished', 'cancelled'])
export const ACTIVITY_SORTS = allOf<Schemas['ActivitySort']>()(['starts_at', '-starts_at', 'id', '-id'])
export const EVALUATION_PERIOD_STATUSES = allOf<Schemas['EvaluationPeriodStatus']>()(['draft', 'open', 'finalized'])
export const EVALUATION_PERIOD_SORTS = allOf<Schemas['PeriodSort']>()(['start_date', '-start_date', 'id', '-id'])
export const EVALUATION_STATUSES = allOf<Schemas['EvaluationStatus']>()(['pending', 'community_scored', 'unit_scored', 'scored', 'finalized'])
export const EVALUATION_GRADES = allOf<Schemas['EvaluationGrade']>()(['excellent', 'qualified', 'basically_qualified', 'unqualified'])
export const EVALUATION_SORTS = allOf<Schemas['EvaluationSort']>()(['name', '-final_score', 'id'])
export const REPORT_STATUSES = allOf<Schemas['ReportStatus']>()(['pending', 'approved', 'rejected'])
export const REPORT_SORTS = allOf<Schemas['ReportSort']>()(['created_at', '-created_at', 'id', '-id'])
export const SIGNUP_STATUSES = allOf<Schemas['SignupStatus']>()(['signed_up', 'waiting', 'cancelled'])
export const CERTIFICATE_REQUEST_STATUSES = allOf<Schemas['CertificateRequestStatus']>()(['pending', 'issued', 'declined'])
