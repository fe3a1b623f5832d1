"""All ORM models, in one package so cross-domain imports can't cycle.

Import from here (`from gongjian.models import Organization`); Alembic reads `Base.metadata`.
"""

from gongjian.models.accounts import ApiKey, LoginSession, LoginThrottle, User
from gongjian.models.activities import Activity, ActivitySignup
from gongjian.models.base import Base
from gongjian.models.calendar import CalendarDay
from gongjian.models.cards import Card, CardEntry
from gongjian.models.claims import Claim, ServiceCategory, ServiceItem, ServiceTemplate
from gongjian.models.evaluation import Evaluation, EvaluationPeriod, EvaluationScheme
from gongjian.models.governance import Concern, ConcernStep, Honor, Meeting, MeetingTask, MeetingTopic
from gongjian.models.integration import (
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WechatBindingTicket,
    WechatIdentity,
    WechatInvitation,
)
from gongjian.models.members import CommunityRecord, Member
from gongjian.models.notifications import NotificationConsent, NotificationMessage, WechatAccessToken
from gongjian.models.organizations import Organization, Partnership
from gongjian.models.platform import AuditEvent, IdempotencyRecord
from gongjian.models.reports import Report, ReportCode
from gongjian.models.residents import Resident
from gongjian.models.uploads import Attachment, Upload
from gongjian.models.volunteering import (
    VolunteerCertificate,
    VolunteerCertificateRequest,
    VolunteerCorrectionRequest,
    VolunteerRecord,
)
from gongjian.models.wishes import Wish

__all__ = [
    "Activity",
    "ActivitySignup",
    "ApiKey",
    "Attachment",
    "AuditEvent",
    "Base",
    "CalendarDay",
    "Card",
    "CardEntry",
    "Claim",
    "CommunityRecord",
    "Concern",
    "ConcernStep",
    "Evaluation",
    "EvaluationPeriod",
    "EvaluationScheme",
    "Honor",
    "IdempotencyRecord",
    "LoginSession",
    "LoginThrottle",
    "Meeting",
    "MeetingTask",
    "MeetingTopic",
    "Member",
    "NotificationConsent",
    "NotificationMessage",
    "Organization",
    "Partnership",
    "Report",
    "ReportCode",
    "Resident",
    "ServiceCategory",
    "ServiceItem",
    "ServiceTemplate",
    "Upload",
    "User",
    "VolunteerCertificate",
    "VolunteerCertificateRequest",
    "VolunteerCorrectionRequest",
    "VolunteerRecord",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WechatAccessToken",
    "WechatBindingTicket",
    "WechatIdentity",
    "WechatInvitation",
    "Wish",
]
