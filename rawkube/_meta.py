"""The meta.k8s.io/v1 Status model: the body of API errors, imported only once one is decoded."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", validate_by_name=True, validate_by_alias=True)


class StatusCause(_Model):
    """One reason a request failed, often naming the field at fault."""

    reason: str | None = None
    message: str | None = None
    field: str | None = None


class StatusDetails(_Model):
    """What the error was about: the object's name, group, kind and field causes."""

    name: str | None = None
    group: str | None = None
    kind: str | None = None
    uid: str | None = None
    causes: list[StatusCause] | None = None
    retry_after_seconds: int | None = Field(
        default=None, validation_alias="retryAfterSeconds", serialization_alias="retryAfterSeconds"
    )


class Status(_Model):
    """A ``meta.k8s.io/v1`` Status: the body of every API error and of some deletes."""

    kind: str | None = None
    api_version: str | None = Field(
        default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    metadata: dict[str, Any] | None = None
    status: str | None = None
    message: str | None = None
    reason: str | None = None
    details: StatusDetails | None = None
    code: int | None = None
