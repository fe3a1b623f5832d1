"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped; strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
