"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


def contains_nul(value: Any) -> bool:
    """PostgreSQL text can't hold NUL characters: input carrying one is invalid, not a 500."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped; strings are trimmed and
    may not contain NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        if contains_nul(data):
            raise ValueError("文本不能包含空字符（\\u0000）")
        return data


class OutputModel(BaseModel):
    """Response bodies, built from ORM rows by attribute."""

    model_config = ConfigDict(from_attributes=True)


def omittable(**field_args: Any) -> Any:
    """A PATCH field that may be left out (meaning "unchanged") but not sent as null.

    Declare it with the non-null type (`name: str = omittable(max_length=100)`): Pydantic doesn't
    validate defaults, so leaving it out is fine, while an explicit null fails validation and the
    spec shows the field as non-nullable. Read the changes with `model_dump(exclude_unset=True)`.
    """
    return Field(default=None, **field_args)
