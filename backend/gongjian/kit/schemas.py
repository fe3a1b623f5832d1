"""Base classes for request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gongjian.kit.calendar import answer_zone


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped; strings are trimmed.

    NUL characters are refused: PostgreSQL can't store them in text, and no person types one.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("文本中不能包含空字符（NUL）")
        return data


class OutputModel(BaseModel):
    """Response bodies, built from ORM rows by attribute.

    Their date-times are given in the offset of the request's own date-times, or +08:00
    (`kit.calendar.answer_zone`): stored in UTC, the same instant is answered the same way in every
    field of every answer of a request, whether it was read back or was just set.
    """

    model_config = ConfigDict(from_attributes=True)
    # The fields holding a date-time, found once per class.
    __moments__: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__moments__ = tuple(name for name, field in cls.model_fields.items() if _is_moment(field.annotation))

    @model_validator(mode="after")
    def _times_in_answer_zone(self) -> Self:
        names = self.__moments__
        if names:
            zone = answer_zone()
            values = self.__dict__
            for name in names:
                moment = values[name]
                if moment is not None:
                    values[name] = moment.astimezone(zone)
        return self


def _is_moment(annotation: Any) -> bool:
    """`datetime` or `datetime | None`."""
    return annotation is datetime or (
        datetime in get_args(annotation) and all(arg is datetime or arg is type(None) for arg in get_args(annotation))
    )


class BlockedAction(OutputModel):
    """An action the caller's role may take on a resource but not now, and why (shown before acting)."""

    action: str
    reason: str


def omittable(**field_args: Any) -> Any:
    """A PATCH field that may be left out (meaning "unchanged") but not sent as null.

    Declare it with the non-null type (`name: str = omittable(max_length=100)`): Pydantic doesn't
    validate defaults, so leaving it out is fine, while an explicit null fails validation and the
    spec shows the field as non-nullable. Read the changes with `model_dump(exclude_unset=True)`.
    """
    return Field(default=None, **field_args)


class _Confidential:
    """Marks a response field whose value its caller sees once and nobody keeps elsewhere."""

    def __repr__(self) -> str:
        return "CONFIDENTIAL"


CONFIDENTIAL = _Confidential()

# A secret (a key, a generated password, a token, an invitation code) or personal data (a full phone
# number) in a response: `key: Confidential[str]`. An answer carrying one is not stored for an
# `Idempotency-Key` replay (kit/idempotency.py), so the idempotency store never holds it in clear.
_T = TypeVar("_T")
Confidential = Annotated[_T, CONFIDENTIAL]


def carries_confidential(annotation: Any) -> bool:
    """Whether a response of this type (a model, a union, a list or page of models) can carry a
    `Confidential` field, anywhere inside it."""
    return _carries(annotation, set())


def _carries(annotation: Any, seen: set[Any]) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(
            CONFIDENTIAL in field.metadata or _carries(field.annotation, seen)
            for field in annotation.model_fields.values()
        )
    return any(arg is CONFIDENTIAL or _carries(arg, seen) for arg in get_args(annotation))
