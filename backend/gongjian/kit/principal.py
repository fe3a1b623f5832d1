"""Who is calling: a user (by token) or an API key, reduced to what permission checks need; and the
one form in which a row records who did something to it (a *stamp*).

Every stamp is two columns: `<act>_by`, the principal's key (`user:7`, `api_key:3`, `system:0`),
which rules compare ("my own concerns", "recorded by me"), and `<act>_by_name`, the display name
at the time, which people read. Write them only through `stamp` and `set_stamp`. Rows stamped
before the stamps took this form may carry an empty key where only a name was kept (revision 0009).
"""

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
    def is_area_admin(self) -> bool:
        """A district's or street's admin: reads what lies under its organisation
        (`organizations.permissions.org_ids_under`), manages the organisations and admins there."""
        return self.role in (Role.district_admin, Role.street_admin)

    @property
    def is_resident(self) -> bool:
        """A resident's login: it may call only the operations opened to residents (`caller`)."""
        return self.role is Role.resident

    @property
    def key(self) -> str:
        """A stable string naming this caller (stamps, idempotency records)."""
        return f"{self.actor_type.value}:{self.id}"


SYSTEM = Principal(ActorType.system, 0, "系统", Role.admin, None)


def stamp(principal: Principal, act: str) -> dict[str, str]:
    """The stamp columns for a new row: `Model(..., **stamp(principal, "created"))`."""
    return {f"{act}_by": principal.key, f"{act}_by_name": principal.name}


def set_stamp(row: object, act: str, principal: Principal) -> None:
    """Stamp an existing row: `set_stamp(request, "answered", principal)`."""
    for column, value in stamp(principal, act).items():
        getattr(type(row), column)  # a misspelt act fails here, not as a silently unsaved attribute
        setattr(row, column, value)
