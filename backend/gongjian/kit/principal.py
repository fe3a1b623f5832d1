"""Who is calling: a user (by token) or an API key, reduced to what permission checks need."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongjian.models.enums import ActorType, Role


@dataclass(frozen=True, slots=True)
class Principal:
    actor_type: ActorType
    id: int
    name: str
    # For an API key: `admin` when it is platform-wide, else the admin role of its organisation.
    role: Role
    organization_id: int | None
    # API keys are limited to these; users are governed by role alone.
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def is_org_admin(self) -> bool:
        return self.role in (Role.community_admin, Role.unit_admin)

    @property
    def key(self) -> str:
        """A stable string naming this caller (for idempotency records)."""
        return f"{self.actor_type.value}:{self.id}"


SYSTEM = Principal(ActorType.system, 0, "系统", Role.admin, None)
