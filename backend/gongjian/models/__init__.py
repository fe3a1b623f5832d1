"""All ORM models, in one package so cross-domain imports can't cycle.

Import from here (`from gongjian.models import Organization`); Alembic reads `Base.metadata`.
"""

from gongjian.models.accounts import ApiKey, LoginThrottle, User
from gongjian.models.activities import Activity, ActivitySignup
from gongjian.models.base import Base
from gongjian.models.members import Member
from gongjian.models.organizations import Organization, Partnership
from gongjian.models.platform import AuditEvent, IdempotencyRecord
from gongjian.models.volunteering import VolunteerCertificate, VolunteerCorrectionRequest, VolunteerRecord

__all__ = [
    "Activity",
    "ActivitySignup",
    "ApiKey",
    "AuditEvent",
    "Base",
    "IdempotencyRecord",
    "LoginThrottle",
    "Member",
    "Organization",
    "Partnership",
    "User",
    "VolunteerCertificate",
    "VolunteerCorrectionRequest",
    "VolunteerRecord",
]
