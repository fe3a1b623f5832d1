"""What an audit event says to a person: the object's Chinese name ("荣誉「社区服务先进集体」"), and
each recorded field as 字段 / 原值 / 新值 with a Chinese label and a readable value.

This is the one home of the audit trail's Chinese: the kind of each audited entity, the label of
each recorded field (per entity where the same name means different things), which enum a field's
codes come from, and how stored forms read (tenths, thousandths, half hours, ciphertext). Names
are read from the rows as they are now, in one query per entity kind on a page; a row that is gone
is named from what its events recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.models import (
    Activity,
    ActivitySignup,
    ApiKey,
    CalendarDay,
    Card,
    CommunityRecord,
    Concern,
    Evaluation,
    EvaluationPeriod,
    Honor,
    Meeting,
    MeetingTask,
    MeetingTopic,
    Member,
    Organization,
    Report,
    ServiceItem,
    ServiceTemplate,
    User,
    VolunteerCertificate,
    VolunteerCertificateRequest,
    VolunteerCorrectionRequest,
    VolunteerRecord,
    WebhookSubscription,
    WechatInvitation,
    Wish,
)
from gongjian.models.enums import (
    ActivityKind,
    ActivityStatus,
    CardStatus,
    CardType,
    CertificateRequestStatus,
    ClaimStatus,
    CommunityRecordKind,
    ConcernCategory,
    ConcernReporterKind,
    ConcernStatus,
    CorrectionRequestStatus,
    EvaluationGrade,
    EvaluationPeriodStatus,
    EvaluationStatus,
    EvaluationVeto,
    Gender,
    HonorLevel,
    HonorRecipientKind,
    HoursSource,
    LabelledEnum,
    MeetingKind,
    MeetingStatus,
    MemberCategory,
    MemberStatus,
    OrganizationKind,
    ReportStatus,
    Role,
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
    SignupStatus,
    TaskStatus,
    TemplateDirection,
    VolunteerRecordStatus,
    WishKind,
    WishStatus,
)

# Longest object name shown (a wish's content, a task's description): the rest is cut with "…".
NAME_CHARS = 24


@dataclass(frozen=True, slots=True)
class EntityKind:
    """An audited entity: its Chinese name, and where a row's name is read (`name` on `model`, or
    the member's name when `by_member`); None when its rows have no name worth showing."""

    label: str
    model: Any = None
    name: Any = None
    by_member: bool = False
    # The entity id is this column rather than `id` (the catalogue's templates are keyed by code).
    key: Any = None


ENTITIES: dict[str, EntityKind] = {
    "organization": EntityKind("党组织", Organization, Organization.name),
    "partnership": EntityKind("共建关系"),
    "user": EntityKind("账号", User, User.username),
    "api_key": EntityKind("API 密钥", ApiKey, ApiKey.name),
    "member": EntityKind("党员", Member, Member.name),
    "card": EntityKind("卡片", Card, Card.number),
    "card_entry": EntityKind("卡片记录"),
    "community_record": EntityKind("社区表现记录", CommunityRecord, by_member=True),
    "report": EntityKind("报到申请", Report, Report.name),
    "report_code": EntityKind("报到码"),
    "activity": EntityKind("活动", Activity, Activity.title),
    "activity_signup": EntityKind("活动报名", ActivitySignup, by_member=True),
    "volunteer_record": EntityKind("志愿服务记录", VolunteerRecord, by_member=True),
    "volunteer_correction_request": EntityKind("时长更正申请", VolunteerCorrectionRequest, by_member=True),
    "volunteer_certificate_request": EntityKind("志愿服务证明申请", VolunteerCertificateRequest, by_member=True),
    "volunteer_certificate": EntityKind("志愿服务证明", VolunteerCertificate, VolunteerCertificate.number),
    "evaluation_period": EntityKind("考评周期", EvaluationPeriod, EvaluationPeriod.name),
    "evaluation": EntityKind("考评记录", Evaluation, by_member=True),
    "honor": EntityKind("荣誉", Honor, Honor.title),
    "meeting": EntityKind("联席会例会", Meeting, Meeting.theme),
    "meeting_topic": EntityKind("议题", MeetingTopic, MeetingTopic.title),
    "meeting_task": EntityKind("任务", MeetingTask, MeetingTask.description),
    "concern": EntityKind("社情民意", Concern, Concern.title),
    "wish": EntityKind("微心愿", Wish, Wish.content),
    # A resident's name is personal data: the trail names the row by number only.
    "resident": EntityKind("居民"),
    "service_item": EntityKind("清单项目", ServiceItem, ServiceItem.title),
    "service_template": EntityKind("清单模板", ServiceTemplate, ServiceTemplate.title, key=ServiceTemplate.code),
    "claim": EntityKind("认领"),
    "upload": EntityKind("上传图片"),
    "attachment": EntityKind("附件"),
    "calendar_day": EntityKind("工作日历", CalendarDay, CalendarDay.day),
    "login_session": EntityKind("登录会话"),
    "webhook_subscription": EntityKind("Webhook 订阅", WebhookSubscription, WebhookSubscription.description),
    "webhook_delivery": EntityKind("Webhook 投递"),
    "wechat_identity": EntityKind("微信绑定"),
    "wechat_invitation": EntityKind("微信绑定邀请", WechatInvitation, by_member=True),
    "notification_consent": EntityKind("订阅消息授权"),
    "notification_message": EntityKind("订阅消息"),
}

# Field labels shared by every entity; ENTITY_FIELD_LABELS overrides where an entity means more.
FIELD_LABELS: dict[str, str] = {
    "name": "名称",
    "title": "标题",
    "code": "简码",
    "kind": "类型",
    "status": "状态",
    "description": "说明",
    "content": "内容",
    "note": "备注",
    "address": "地址",
    "contact_person": "联系人",
    "display_name": "显示名称",
    "username": "用户名",
    "role": "角色",
    "is_active": "启用",
    "organization_id": "所属组织",
    "unit_org_id": "工作单位党组织",
    "community_org_id": "报到社区",
    "owner_org_id": "负责组织",
    "organizer_org_id": "主办组织",
    "provider_org_id": "提供组织",
    "claimant_org_id": "认领组织",
    "claimant_member_id": "认领党员",
    "recipient_org_id": "获奖组织",
    "recipient_member_id": "获奖党员",
    "attending_org_ids": "参会组织",
    "member_id": "党员",
    "user_id": "账号",
    "resident_id": "居民",
    "activity_id": "活动",
    "meeting_id": "例会",
    "topic_id": "议题",
    "item_id": "清单项目",
    "gender": "性别",
    "birth_date": "出生日期",
    "phone_ciphertext": "手机号码",
    "room_ciphertext": "门牌号",
    "joined_party_on": "入党日期",
    "category": "类别",
    "reported_on": "报到日期",
    "skills": "技能特长",
    "volunteer_number": "志愿者编号",
    "archived_at": "归档时间",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "end_reason": "结束原因",
    "agreement": "共建协议",
    "capacity": "名额",
    "location": "地点",
    "half_hours": "时长（小时）",
    "hours_source": "时长来源",
    "counts_hours": "计入时长",
    "review_note": "审核意见",
    "correction_reason": "更正原因",
    "corrects_id": "更正的记录",
    "awarded_on": "获奖日期",
    "awarding_body": "授予单位",
    "level": "级别",
    "recipient_kind": "获奖对象类型",
    "recipient_name": "获奖对象",
    "theme": "主题",
    "held_on": "召开日期",
    "minutes": "会议纪要",
    "due_on": "完成期限",
    "done_on": "完成日期",
    "progress_note": "进展说明",
    "reporter_kind": "反映人类型",
    "reporter_name": "反映人",
    "resident_name": "居民姓名",
    "escalated_to": "上报至",
    "resolved_on": "办结日期",
    "followup_feedback": "回访反馈",
    "rating": "满意度",
    "rating_comment": "评价",
    "verify_comment": "核实意见",
    "fulfil_note": "实现说明",
    "fulfilled_on": "实现日期",
    "claimed_on": "认领日期",
    "direction": "方向",
    "template_code": "清单模板",
    "claim_deadline": "认领截止日期",
    "estimated_value": "估计价值",
    "completion_report": "完成报告",
    "completed_on": "完成日期",
    "registered_on": "登记日期",
    "household_note": "家庭情况",
    "building": "楼栋",
    "day": "日期",
    "is_working_day": "工作日",
    "sort_order": "排序",
    "url": "地址",
    "events": "事件",
    "guest_count": "来宾人数",
    "late": "迟到",
    "content_type": "文件类型",
    "size": "大小（字节）",
    "width": "宽度",
    "height": "高度",
    "photo_url": "照片",
    "criteria": "考评项",
    "vetoes": "否决规则",
    "community_weight_milli": "社区评分权重",
    "excellent_min": "优秀分数线",
    "qualified_min": "合格分数线",
    "basically_qualified_min": "基本合格分数线",
    "excellent_share_numerator": "优秀比例（分子）",
    "excellent_share_denominator": "优秀比例（分母）",
    "community_points": "社区各项得分",
    "community_score_tenths": "社区评分",
    "community_opinion": "社区意见",
    "unit_score_tenths": "单位评分",
    "unit_comment": "单位意见",
    "final_score_tenths": "最终得分",
    "grade": "等级",
    "vetoed": "被否决",
    "recommended": "推荐评优",
    "evaluation": "考评记录",
    "reason": "原因",
    "source": "来源",
    "via": "方式",
    "client": "客户端地址",
    "checked_in_at": "签到时间",
    "checked_out_at": "签退时间",
    "number": "编号",
    "scopes": "权限范围",
    "expires_at": "过期时间",
}

ENTITY_FIELD_LABELS: dict[str, dict[str, str]] = {
    "member": {"name": "姓名", "category": "党员类别", "status": "状态"},
    "resident": {"name": "姓名"},
    "report": {"name": "姓名"},
    "organization": {"kind": "组织类型", "description": "简介"},
    "concern": {"category": "类别", "description": "问题描述"},
    "wish": {"content": "心愿内容"},
    "meeting_task": {"description": "任务内容", "owner_org_id": "责任组织"},
    "honor": {"title": "荣誉名称"},
    "evaluation_period": {"name": "周期名称"},
}

# Which enum a field's codes come from, per entity; a field missing here shows its value as stored.
FIELD_ENUMS: dict[str, dict[str, type[LabelledEnum]]] = {
    "organization": {"kind": OrganizationKind},
    "user": {"role": Role},
    "member": {"gender": Gender, "category": MemberCategory, "status": MemberStatus},
    "report": {"gender": Gender, "category": MemberCategory, "status": ReportStatus},
    "card": {"type": CardType, "status": CardStatus},
    "community_record": {"kind": CommunityRecordKind},
    "activity": {"kind": ActivityKind, "status": ActivityStatus},
    "activity_signup": {"status": SignupStatus},
    "volunteer_record": {"status": VolunteerRecordStatus, "hours_source": HoursSource},
    "volunteer_correction_request": {"status": CorrectionRequestStatus},
    "volunteer_certificate_request": {"status": CertificateRequestStatus},
    "evaluation_period": {"status": EvaluationPeriodStatus, "vetoes": EvaluationVeto},
    "evaluation": {"status": EvaluationStatus, "grade": EvaluationGrade},
    "honor": {"level": HonorLevel, "recipient_kind": HonorRecipientKind},
    "meeting": {"kind": MeetingKind, "status": MeetingStatus},
    "meeting_task": {"status": TaskStatus},
    "concern": {"category": ConcernCategory, "status": ConcernStatus, "reporter_kind": ConcernReporterKind},
    "wish": {"kind": WishKind, "status": WishStatus},
    "service_item": {"direction": ServiceDirection, "status": ServiceItemStatus, "category": ServiceCategoryCode},
    "service_template": {"direction": TemplateDirection, "category": ServiceCategoryCode},
    "claim": {"status": ClaimStatus},
}

_ORG_FIELDS = frozenset(
    {
        "organization_id",
        "unit_org_id",
        "community_org_id",
        "owner_org_id",
        "organizer_org_id",
        "provider_org_id",
        "claimant_org_id",
        "recipient_org_id",
        "attending_org_ids",
    }
)
_MEMBER_FIELDS = frozenset({"member_id", "claimant_member_id", "recipient_member_id"})
_USER_FIELDS = frozenset({"user_id"})
# Why a login session ended (auth/sessions.py): the audit log showed the code ("logout").
_SESSION_END_REASONS = {"logout": "退出登录", "reuse": "刷新令牌被重复使用，会话已终止"}
_TENTHS = frozenset({"community_score_tenths", "unit_score_tenths", "final_score_tenths"})
_CIPHERTEXT = frozenset({"phone_ciphertext", "room_ciphertext"})
# Names a deleted row's events may carry, tried in this order.
_NAME_KEYS = ("name", "title", "theme", "number", "username", "content", "description")


def field_label(entity: str, name: str) -> str:
    return ENTITY_FIELD_LABELS.get(entity, {}).get(name) or FIELD_LABELS.get(name) or name


def entity_kind_label(entity: str) -> str:
    kind = ENTITIES.get(entity)
    return kind.label if kind else entity


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class Event:
    """What `describe` needs of an audit event."""

    action: str
    entity: str
    entity_id: str
    changes: Mapping[str, Any]


def pairs(action: str, changes: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each recorded field. An update records [old, new]; a creation the new
    values, a deletion the last ones; other actions record either form."""
    items = list(changes.items())
    if action == "delete":
        return [(k, v, None) for k, v in items]
    is_diff = action != "create" and all(isinstance(v, list) and len(v) == 2 for _, v in items)
    if is_diff:
        return [(k, v[0], v[1]) for k, v in items]
    return [(k, None, v) for k, v in items]


class Describer:
    """Names the objects of a page of events, and reads their recorded values, with one query per
    kind of object named."""

    def __init__(self, session: Session, events: Sequence[Event]) -> None:
        self._names = self._object_names(session, events)
        org_ids: set[int] = set()
        member_ids: set[int] = set()
        user_ids: set[int] = set()
        for event in events:
            for key, old, new in pairs(event.action, event.changes or {}):
                target = (
                    org_ids
                    if key in _ORG_FIELDS
                    else member_ids
                    if key in _MEMBER_FIELDS
                    else user_ids
                    if key in _USER_FIELDS
                    else None
                )
                if target is not None:
                    target.update(_ints([old, new]))
        self._orgs = _lookup(session, Organization.id, Organization.name, org_ids)
        self._members = _lookup(session, Member.id, Member.name, member_ids)
        self._users = _lookup(session, User.id, User.display_name, user_ids)

    @staticmethod
    def _object_names(session: Session, events: Sequence[Event]) -> dict[tuple[str, str], str]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for event in events:
            wanted[event.entity].add(event.entity_id)
        names: dict[tuple[str, str], str] = {}
        for entity, ids in wanted.items():
            kind = ENTITIES.get(entity)
            if kind is None or kind.model is None:
                continue
            if kind.key is not None:
                stmt = select(kind.key, kind.name).where(kind.key.in_(sorted(ids)))
            else:
                numbers = sorted(_ints(ids))
                if not numbers:
                    continue
                if kind.by_member:
                    stmt = (
                        select(kind.model.id, Member.name)
                        .join(Member, Member.id == kind.model.member_id)
                        .where(kind.model.id.in_(numbers))
                    )
                else:
                    stmt = select(kind.model.id, kind.name).where(kind.model.id.in_(numbers))
            for key, name in session.execute(stmt):
                if name is not None:
                    names[(entity, str(key))] = str(name)
        return names

    def entity_label(self, event: Event) -> str:
        kind = entity_kind_label(event.entity)
        name = self._names.get((event.entity, event.entity_id))
        if name is None and ENTITIES.get(event.entity, EntityKind("")).model is not None:
            name = _recorded_name(event)
        if name:
            short = name if len(name) <= NAME_CHARS else name[:NAME_CHARS] + "…"
            return f"{kind}「{short}」"
        return f"{kind}（编号 {event.entity_id}）"

    def fields(self, event: Event) -> list[FieldChange]:
        """The recorded fields that say something: a creation's empty fields (— to —) are left out."""
        changes = [
            FieldChange(
                key,
                field_label(event.entity, key),
                self.value(event.entity, key, old),
                self.value(event.entity, key, new),
            )
            for key, old, new in pairs(event.action, event.changes or {})
        ]
        return [c for c in changes if c.old is not None or c.new is not None]

    def value(self, entity: str, key: str, value: Any) -> str | None:
        """A recorded value as people read it; None when there is none."""
        if value is None or value == "" or value == []:
            return None
        if key in _CIPHERTEXT:
            return "（已加密，不显示）"
        if key in _ORG_FIELDS:
            ids = _ints(value if isinstance(value, list) else [value])
            return "、".join(self._orgs.get(i, f"编号 {i}") for i in sorted(ids))
        if key in _MEMBER_FIELDS and isinstance(value, int):
            return self._members.get(value, f"编号 {value}")
        if key in _USER_FIELDS and isinstance(value, int):
            return self._users.get(value, f"编号 {value}")
        if entity == "login_session" and key == "reason" and isinstance(value, str):
            return _SESSION_END_REASONS.get(value, value)
        if key in _TENTHS and isinstance(value, int | float):
            return f"{value / 10:g}"
        if key == "community_weight_milli" and isinstance(value, int | float):
            return f"{value / 10:g}%"
        if key == "half_hours" and isinstance(value, int | float):
            return f"{value / 2:g}"
        enum = FIELD_ENUMS.get(entity, {}).get(key)
        if enum is not None and isinstance(value, str) and value in enum.__labels__:
            return enum.label_of(value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if key == "criteria" and isinstance(value, list):
            # An evaluation scheme's items: 报到履职 30 分；… (not their codes and keys).
            return "；".join(
                f"{c.get('name', c.get('code', ''))} {c.get('max_points', '')} 分" if isinstance(c, dict) else str(c)
                for c in value
            )
        if isinstance(value, list):
            # The list's codes by the field's enum (否决规则), each as people read it.
            return "、".join(str(self.value(entity, key, v) or "") for v in value)
        if isinstance(value, dict):
            return "；".join(f"{k}：{self.value(entity, '', v) or '—'}" for k, v in value.items())
        return str(value)


def _recorded_name(event: Event) -> str | None:
    for key in _NAME_KEYS:
        if key in (event.changes or {}):
            value = event.changes[key]
            if isinstance(value, list) and len(value) == 2:
                value = value[1] or value[0]
            if isinstance(value, str) and value:
                return value
    return None


def _ints(values: Iterable[Any]) -> set[int]:
    out: set[int] = set()
    for v in values:
        if isinstance(v, list):
            out |= _ints(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            out.add(v)
        elif isinstance(v, str) and v.isdigit() and len(v) < 12:
            out.add(int(v))
    return out


def _lookup(session: Session, key: Any, name: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {k: str(n) for k, n in session.execute(select(key, name).where(key.in_(sorted(ids))))}
