"""Every enumeration of the domain, with its Chinese label.

Codes are English and stored as strings; labels are served by `GET /api/v1/meta/enums` so no client
hard-codes them. Register a new enum by subclassing `LabelledEnum` and giving every member a label.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import ClassVar, TypeVar


class LabelledEnum(StrEnum):
    """A string enum whose members carry a zh-CN label. Subclasses register themselves."""

    __labels__: ClassVar[dict[str, str]]

    @classmethod
    def label_of(cls, code: str) -> str:
        return cls.__labels__[code]


E = TypeVar("E", bound=LabelledEnum)

# name → enum, for `GET /api/v1/meta/enums`.
ENUM_REGISTRY: dict[str, type[LabelledEnum]] = {}


def register(name: str, labels: dict[str, str]) -> Callable[[type[E]], type[E]]:
    """Class decorator: attach labels and enter the enum into the public registry under `name`."""

    def wrap(cls: type[E]) -> type[E]:
        missing = {m.value for m in cls} ^ set(labels)
        if missing:
            raise RuntimeError(f"labels of {cls.__name__} don't match its members: {missing}")
        cls.__labels__ = labels
        ENUM_REGISTRY[name] = cls
        return cls

    return wrap


@register(
    "role",
    {
        "admin": "平台管理员",
        "district_admin": "区委组织部管理员",
        "street_admin": "街道党工委管理员",
        "community_admin": "社区党组织管理员",
        "unit_admin": "单位党组织管理员",
        "member": "党员",
        "resident": "居民",
    },
)
class Role(LabelledEnum):
    admin = "admin"
    # The admins of a district (区委组织部) and of a street (街道党工委): they read everything in the
    # organisations under theirs and manage those organisations and their admins (issue 17).
    district_admin = "district_admin"
    street_admin = "street_admin"
    community_admin = "community_admin"
    unit_admin = "unit_admin"
    member = "member"
    # A resident of one community (residents/): its own wishes and concerns, nothing else.
    resident = "resident"


@register(
    "organization_kind",
    {
        "district": "区委组织部",
        "street": "街道党工委",
        "community": "社区党组织",
        "unit": "驻区单位",
        "social": "社会组织",
    },
)
class OrganizationKind(LabelledEnum):
    # Above the communities: a district's organisation department, its streets' party working
    # committees. Each organisation names its parent (`organizations.parent_id`).
    district = "district"
    street = "street"
    community = "community"
    unit = "unit"
    social = "social"


@register("actor_type", {"user": "用户", "api_key": "API 密钥", "system": "系统", "wechat": "微信用户"})
class ActorType(LabelledEnum):
    user = "user"
    api_key = "api_key"
    system = "system"
    # A WeChat identity acting before it is bound to an account: redeeming an invitation.
    wechat = "wechat"


@register(
    "audit_action",
    {
        "create": "创建",
        "update": "修改",
        "archive": "归档",
        "restore": "恢复",
        "deactivate": "停用",
        "activate": "启用",
        "reset_password": "重置密码",
        "change_password": "修改密码",
        "revoke": "吊销",
        "login": "登录",
        "login_failed": "登录失败",
        "logout": "退出登录",
        "delete": "删除",
    },
)
class AuditAction(LabelledEnum):
    create = "create"
    update = "update"
    archive = "archive"
    restore = "restore"
    deactivate = "deactivate"
    activate = "activate"
    reset_password = "reset_password"
    change_password = "change_password"
    revoke = "revoke"
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    delete = "delete"


@register(
    "member_category",
    {
        "in_service": "在职党员",
        "retired": "离退休党员",
        "unemployed": "失业党员",
        "mobile": "流动党员",
        "two_new": "“两新”组织党员",
    },
)
class MemberCategory(LabelledEnum):
    in_service = "in_service"
    retired = "retired"
    unemployed = "unemployed"
    mobile = "mobile"
    two_new = "two_new"


@register("gender", {"male": "男", "female": "女"})
class Gender(LabelledEnum):
    male = "male"
    female = "female"


@register("member_status", {"active": "正常", "archived": "已归档"})
class MemberStatus(LabelledEnum):
    active = "active"
    archived = "archived"


@register(
    "service_category",
    {
        "hardship_aid": "困难帮扶",
        "funding": "资金扶持",
        "volunteer": "志愿服务",
        "culture_sports": "文体服务",
        "advice": "建议意见",
    },
)
class ServiceCategoryCode(LabelledEnum):
    hardship_aid = "hardship_aid"
    funding = "funding"
    volunteer = "volunteer"
    culture_sports = "culture_sports"
    advice = "advice"


@register("service_direction", {"need": "社区需求（由单位认领）", "resource": "单位资源（由社区认领）"})
class ServiceDirection(LabelledEnum):
    need = "need"
    resource = "resource"


@register(
    "template_direction",
    {"need": "社区需求", "resource": "单位资源", "both": "需求或资源均可"},
)
class TemplateDirection(LabelledEnum):
    """Which side of the list a catalogue template may be adopted into (`both`: either side)."""

    need = "need"
    resource = "resource"
    both = "both"


@register("service_item_status", {"draft": "草稿", "published": "已发布", "closed": "已关闭"})
class ServiceItemStatus(LabelledEnum):
    draft = "draft"
    published = "published"
    closed = "closed"


# Publishing also reopens a closed item; closing stops new claims (existing ones carry on).
SERVICE_ITEM_MOVES: dict[ServiceItemStatus, set[ServiceItemStatus]] = {
    ServiceItemStatus.published: {ServiceItemStatus.draft, ServiceItemStatus.closed},
    ServiceItemStatus.closed: {ServiceItemStatus.published},
}


@register(
    "claim_status",
    {
        "claimed": "已认领",
        "in_progress": "实施中",
        "completed": "已完成",
        "verified": "已验收",
        "withdrawn": "已撤回",
        "rejected": "已驳回",
    },
)
class ClaimStatus(LabelledEnum):
    claimed = "claimed"
    in_progress = "in_progress"
    completed = "completed"
    verified = "verified"
    withdrawn = "withdrawn"
    rejected = "rejected"


# The claimant starts, completes or withdraws; the provider verifies or rejects.
CLAIM_MOVES: dict[ClaimStatus, set[ClaimStatus]] = {
    ClaimStatus.in_progress: {ClaimStatus.claimed},
    ClaimStatus.completed: {ClaimStatus.in_progress},
    ClaimStatus.verified: {ClaimStatus.completed},
    ClaimStatus.withdrawn: {ClaimStatus.claimed, ClaimStatus.in_progress},
    ClaimStatus.rejected: {ClaimStatus.claimed, ClaimStatus.in_progress, ClaimStatus.completed},
}
# Claims that hold a place on their item: a completed or verified claim keeps it (the item was
# served by that organisation); a withdrawn or rejected one frees it.
ACTIVE_CLAIM_STATUSES = (ClaimStatus.claimed, ClaimStatus.in_progress, ClaimStatus.completed, ClaimStatus.verified)


@register("wish_kind", {"goods": "物品类", "service": "服务类"})
class WishKind(LabelledEnum):
    goods = "goods"
    service = "service"


@register(
    "wish_status",
    {
        "submitted": "已提交",
        "verified": "已核实",
        "published": "已发布",
        "claimed": "已认领",
        "fulfilled": "已实现",
        "closed": "已回访",
        "rejected": "未通过",
        "cancelled": "已取消",
    },
)
class WishStatus(LabelledEnum):
    submitted = "submitted"
    verified = "verified"
    published = "published"
    claimed = "claimed"
    fulfilled = "fulfilled"
    closed = "closed"
    rejected = "rejected"
    cancelled = "cancelled"


WISH_MOVES: dict[WishStatus, set[WishStatus]] = {
    WishStatus.verified: {WishStatus.submitted},
    WishStatus.rejected: {WishStatus.submitted, WishStatus.verified},
    WishStatus.published: {WishStatus.verified},
    WishStatus.claimed: {WishStatus.published},
    WishStatus.fulfilled: {WishStatus.claimed},
    WishStatus.closed: {WishStatus.fulfilled},
    WishStatus.cancelled: {WishStatus.submitted, WishStatus.verified, WishStatus.published, WishStatus.claimed},
}
# A resident withdraws its own wish only before anyone has taken it up (claimed it); the community
# may cancel later too (`WISH_MOVES`).
WISH_RESIDENT_CANCEL_MOVES: dict[WishStatus, set[WishStatus]] = {
    WishStatus.cancelled: {WishStatus.submitted, WishStatus.verified, WishStatus.published},
}
# A resident rates the follow-up of its wish once it is fulfilled (or closed after the visit).
WISH_RATEABLE_STATUSES = frozenset({WishStatus.fulfilled, WishStatus.closed})
# Releasing a claim puts the wish back to published: a move of its own, because publishing (above)
# never takes a claimed wish.
WISH_RELEASE_MOVES: dict[WishStatus, set[WishStatus]] = {WishStatus.published: {WishStatus.claimed}}


@register(
    "card_type",
    {
        "contact": "在职党员双向联系卡",
        "points": "离退休党员奉献积分卡",
        "employment": "失业党员就业服务卡",
        "registration": "流动党员信息登记卡",
        "communication": "“两新”组织党员情况沟通卡",
    },
)
class CardType(LabelledEnum):
    contact = "contact"
    points = "points"
    employment = "employment"
    registration = "registration"
    communication = "communication"


@register("card_status", {"open": "有效", "closed": "已关闭"})
class CardStatus(LabelledEnum):
    open = "open"
    closed = "closed"


@register(
    "employment_service",
    {"referral": "岗位推荐", "training": "技能培训", "guidance": "就业指导", "other": "其他服务"},
)
class EmploymentService(LabelledEnum):
    referral = "referral"
    training = "training"
    guidance = "guidance"
    other = "other"


@register(
    "community_record_kind",
    {
        "participation": "参与活动",
        "contribution": "作出贡献",
        "commendation": "表扬",
        "criticism": "批评",
        "other": "其他",
    },
)
class CommunityRecordKind(LabelledEnum):
    participation = "participation"
    contribution = "contribution"
    commendation = "commendation"
    criticism = "criticism"
    other = "other"


@register(
    "activity_kind",
    {
        "volunteer_service": "志愿服务",
        "legal_publicity": "送法进社区/法治宣传",
        "visit": "走访慰问",
        "reception": "接访",
        "performance": "文艺演出",
        "exhibition": "展览",
        "sports_match": "体育比赛",
        "micro_report": "微述职",
        "other": "其他",
    },
)
class ActivityKind(LabelledEnum):
    volunteer_service = "volunteer_service"
    legal_publicity = "legal_publicity"
    visit = "visit"
    reception = "reception"
    performance = "performance"
    exhibition = "exhibition"
    sports_match = "sports_match"
    micro_report = "micro_report"
    other = "other"


@register("activity_status", {"planned": "筹备中", "open": "报名中", "finished": "已结束", "cancelled": "已取消"})
class ActivityStatus(LabelledEnum):
    planned = "planned"
    open = "open"
    finished = "finished"
    cancelled = "cancelled"


@register(
    "activity_audience", {"community": "本社区党员", "partners": "本社区及共建单位党员", "platform": "全平台党员"}
)
class ActivityAudience(LabelledEnum):
    """Who may take part in an activity (activities/permissions.py `takes_part`). Every level also
    admits the organiser's own members. `partners` is what every activity allowed before the field
    existed (the community's members and those of its partner units and social organisations, 共建),
    hence the default; `platform` opens it to members of any community (neighbours who help)."""

    community = "community"
    partners = "partners"
    platform = "platform"


# Opening, finishing and cancelling an activity: {target: states it may be reached from}.
ACTIVITY_MOVES: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.open: frozenset({ActivityStatus.planned}),
    ActivityStatus.finished: frozenset({ActivityStatus.planned, ActivityStatus.open}),
    ActivityStatus.cancelled: frozenset({ActivityStatus.planned, ActivityStatus.open}),
}


@register("signup_status", {"signed_up": "已报名", "waiting": "候补中", "cancelled": "已取消"})
class SignupStatus(LabelledEnum):
    signed_up = "signed_up"
    waiting = "waiting"
    cancelled = "cancelled"


# A waiting sign-up moves up when a place frees; either kind may be cancelled, and a cancelled one
# stays cancelled (signing up again is a new sign-up, at the end of the queue).
SIGNUP_MOVES: dict[SignupStatus, frozenset[SignupStatus]] = {
    SignupStatus.signed_up: frozenset({SignupStatus.waiting}),
    SignupStatus.cancelled: frozenset({SignupStatus.signed_up, SignupStatus.waiting}),
}


@register("volunteer_record_status", {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"})
class VolunteerRecordStatus(LabelledEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


# Review is the only move: an approved record is never edited (a correction is a new record, and
# "superseded" is derived from an approved correction, not a state).
VOLUNTEER_RECORD_MOVES: dict[VolunteerRecordStatus, set[VolunteerRecordStatus]] = {
    VolunteerRecordStatus.approved: {VolunteerRecordStatus.pending},
    VolunteerRecordStatus.rejected: {VolunteerRecordStatus.pending},
}


@register("hours_source", {"check_in": "按签到签退计算", "entered": "手工录入"})
class HoursSource(LabelledEnum):
    check_in = "check_in"
    entered = "entered"


@register("correction_request_status", {"open": "待答复", "accepted": "已更正", "declined": "不予更正"})
class CorrectionRequestStatus(LabelledEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"


# A member's request is answered once: by a correction (accepted) or a reply (declined).
CORRECTION_REQUEST_MOVES: dict[CorrectionRequestStatus, set[CorrectionRequestStatus]] = {
    CorrectionRequestStatus.accepted: {CorrectionRequestStatus.open},
    CorrectionRequestStatus.declined: {CorrectionRequestStatus.open},
}


@register("certificate_request_status", {"pending": "待出具", "issued": "已出具", "declined": "不予出具"})
class CertificateRequestStatus(LabelledEnum):
    pending = "pending"
    issued = "issued"
    declined = "declined"


# A member's request for a proof of service is answered once: issued, or declined with a reason.
CERTIFICATE_REQUEST_MOVES: dict[CertificateRequestStatus, frozenset[CertificateRequestStatus]] = {
    CertificateRequestStatus.issued: frozenset({CertificateRequestStatus.pending}),
    CertificateRequestStatus.declined: frozenset({CertificateRequestStatus.pending}),
}


@register(
    "meeting_kind",
    {"coordination": "社区工作协调委员会", "guidance": "共驻共建指导委员会", "joint": "社区共建联席会"},
)
class MeetingKind(LabelledEnum):
    coordination = "coordination"
    guidance = "guidance"
    joint = "joint"


@register("meeting_status", {"planned": "筹备中", "held": "已召开"})
class MeetingStatus(LabelledEnum):
    planned = "planned"
    held = "held"


@register("task_status", {"open": "未开始", "in_progress": "进行中", "done": "已完成", "overdue": "已逾期"})
class TaskStatus(LabelledEnum):
    """`overdue` is never stored: it is derived when read (due date passed and not done)."""

    open = "open"
    in_progress = "in_progress"
    done = "done"
    overdue = "overdue"


# A task's progress (start, complete); `overdue` is read, never moved to.
TASK_MOVES: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.in_progress: frozenset({TaskStatus.open}),
    TaskStatus.done: frozenset({TaskStatus.open, TaskStatus.in_progress}),
}


@register(
    "concern_category",
    {
        "sanitation": "卫生",
        "petition_stability": "信访维稳",
        "infrastructure": "基础建设",
        "party_building": "党建",
        "safety": "治安",
        "other": "其他",
    },
)
class ConcernCategory(LabelledEnum):
    sanitation = "sanitation"
    petition_stability = "petition_stability"
    infrastructure = "infrastructure"
    party_building = "party_building"
    safety = "safety"
    other = "other"


@register(
    "concern_status",
    {
        "reported": "已反映",
        "in_progress": "处理中",
        "escalated": "已上报协调",
        "resolved": "已解决",
        "cancelled": "已撤回",
    },
)
class ConcernStatus(LabelledEnum):
    reported = "reported"
    in_progress = "in_progress"
    escalated = "escalated"
    resolved = "resolved"
    # Withdrawn by the resident who reported it, before the community started on it.
    cancelled = "cancelled"


CONCERN_MOVES: dict[ConcernStatus, set[ConcernStatus]] = {
    ConcernStatus.in_progress: {ConcernStatus.reported},
    ConcernStatus.escalated: {ConcernStatus.reported, ConcernStatus.in_progress},
    ConcernStatus.resolved: {ConcernStatus.reported, ConcernStatus.in_progress, ConcernStatus.escalated},
    ConcernStatus.cancelled: {ConcernStatus.reported},
}
# Concerns nothing more happens to: neither open nor ever overdue.
CONCERN_ENDED_STATUSES = frozenset({ConcernStatus.resolved, ConcernStatus.cancelled})


@register("concern_reporter_kind", {"member": "党员", "resident": "居民", "admin": "组织管理员"})
class ConcernReporterKind(LabelledEnum):
    member = "member"
    resident = "resident"
    admin = "admin"


@register("honor_level", {"national": "国家级", "provincial": "省级", "city": "市级", "district": "区级"})
class HonorLevel(LabelledEnum):
    national = "national"
    provincial = "provincial"
    city = "city"
    district = "district"


@register(
    "honor_recipient_kind",
    {"community": "社区", "organization": "党组织", "team": "团队", "member": "党员"},
)
class HonorRecipientKind(LabelledEnum):
    community = "community"
    organization = "organization"
    team = "team"
    member = "member"


@register(
    "webhook_event_type",
    {
        "claim.verified": "认领已验收",
        "wish.fulfilled": "微心愿已实现",
        "volunteer_record.approved": "志愿服务记录已审核通过",
        "evaluation_period.finalized": "考评周期已定稿",
        "member.archived": "党员已归档",
        "member.reported": "党员已到社区报到",
    },
)
class WebhookEventType(LabelledEnum):
    claim_verified = "claim.verified"
    wish_fulfilled = "wish.fulfilled"
    volunteer_record_approved = "volunteer_record.approved"
    evaluation_period_finalized = "evaluation_period.finalized"
    member_archived = "member.archived"
    member_reported = "member.reported"


@register(
    "webhook_delivery_status",
    {"pending": "待发送", "delivered": "已送达", "failed": "发送失败"},
)
class WebhookDeliveryStatus(LabelledEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


@register("evaluation_period_status", {"draft": "草稿", "open": "考评中", "finalized": "已定档"})
class EvaluationPeriodStatus(LabelledEnum):
    draft = "draft"
    open = "open"
    finalized = "finalized"


# A period is opened from a draft and finalized while open. Going back from finalized to open is not
# a step of the lifecycle but its undo (a platform admin in person, with a reason), so it has a
# table of its own: `open_period` must not accept a finalized period.
EVALUATION_PERIOD_MOVES: dict[EvaluationPeriodStatus, frozenset[EvaluationPeriodStatus]] = {
    EvaluationPeriodStatus.open: frozenset({EvaluationPeriodStatus.draft}),
    EvaluationPeriodStatus.finalized: frozenset({EvaluationPeriodStatus.open}),
}
EVALUATION_PERIOD_REOPEN: dict[EvaluationPeriodStatus, frozenset[EvaluationPeriodStatus]] = {
    EvaluationPeriodStatus.open: frozenset({EvaluationPeriodStatus.finalized}),
}


@register(
    "evaluation_status",
    {
        "pending": "待评分",
        "community_scored": "社区已评、单位未评",
        "unit_scored": "单位已评、社区未评",
        "scored": "双方已评",
        "finalized": "已定档",
    },
)
class EvaluationStatus(LabelledEnum):
    pending = "pending"
    community_scored = "community_scored"
    unit_scored = "unit_scored"
    scored = "scored"
    finalized = "finalized"


@register(
    "evaluation_grade",
    {"excellent": "优秀", "qualified": "合格", "basically_qualified": "基本合格", "unqualified": "不合格"},
)
class EvaluationGrade(LabelledEnum):
    excellent = "excellent"
    qualified = "qualified"
    basically_qualified = "basically_qualified"
    unqualified = "unqualified"


@register("evaluation_veto", {"never_reported": "考评期内未到社区报到的，不得评为合格及以上"})
class EvaluationVeto(LabelledEnum):
    never_reported = "never_reported"


@register(
    "attachment_owner_kind",
    {"wish": "微心愿", "concern": "社情民意", "activity": "活动", "community_record": "在社区表现记录"},
)
class AttachmentOwnerKind(LabelledEnum):
    wish = "wish"
    concern = "concern"
    activity = "activity"
    community_record = "community_record"


@register(
    "attachment_purpose",
    {"photo": "照片", "fulfilment": "心愿实现照片", "problem": "问题照片", "resolution": "办结照片"},
)
class AttachmentPurpose(LabelledEnum):
    photo = "photo"
    fulfilment = "fulfilment"
    problem = "problem"
    resolution = "resolution"


# The purposes an attachment may have on each kind of owner (the first is the default).
ATTACHMENT_PURPOSES: dict[AttachmentOwnerKind, tuple[AttachmentPurpose, ...]] = {
    AttachmentOwnerKind.wish: (AttachmentPurpose.fulfilment, AttachmentPurpose.photo),
    AttachmentOwnerKind.concern: (AttachmentPurpose.problem, AttachmentPurpose.resolution),
    AttachmentOwnerKind.activity: (AttachmentPurpose.photo,),
    AttachmentOwnerKind.community_record: (AttachmentPurpose.photo,),
}


@register("report_status", {"pending": "待确认", "approved": "已确认", "rejected": "未通过"})
class ReportStatus(LabelledEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


# A report is decided once: approved or rejected, from pending only.
REPORT_MOVES: dict[ReportStatus, set[ReportStatus]] = {
    ReportStatus.approved: {ReportStatus.pending},
    ReportStatus.rejected: {ReportStatus.pending},
}


@register(
    "calendar_source",
    {
        "official": "国家法定节假日安排",
        "platform": "平台维护的工作日调整",
        "weekdays": "仅按周一至周五推算（该年节假日安排尚未收录）",
    },
)
class CalendarSource(LabelledEnum):
    """Which calendar said whether a day is a working day (kit/calendar.py)."""

    official = "official"
    platform = "platform"
    weekdays = "weekdays"


# WeChat subscription messages (订阅消息): what we tell a member or resident about.
@register(
    "notification_kind",
    {
        "report_decided": "报到审核结果",
        "activity_reminder": "活动提醒",
        "volunteer_record_approved": "志愿服务记录审核通过",
        "wish_progress": "心愿进度",
        "concern_answered": "社情民意回复",
    },
)
class NotificationKind(LabelledEnum):
    report_decided = "report_decided"
    activity_reminder = "activity_reminder"
    volunteer_record_approved = "volunteer_record_approved"
    wish_progress = "wish_progress"
    concern_answered = "concern_answered"


# What wx.requestSubscribeMessage answered for one template.
@register(
    "notification_consent_result",
    {"accept": "同意接收一次", "reject": "拒绝", "ban": "已被微信封禁", "filter": "被微信过滤"},
)
class NotificationConsentResult(LabelledEnum):
    accept = "accept"
    reject = "reject"
    ban = "ban"
    filter = "filter"


@register(
    "notification_status",
    {"pending": "待发送", "sent": "已发送", "skipped": "未发送（无订阅或用户拒收）", "failed": "发送失败"},
)
class NotificationStatus(LabelledEnum):
    pending = "pending"
    sent = "sent"
    skipped = "skipped"
    failed = "failed"
