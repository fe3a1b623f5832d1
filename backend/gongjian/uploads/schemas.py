from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.kit.types import ID_BOUNDS, BodyId
from gongjian.models.enums import AttachmentOwnerKind, AttachmentPurpose


class UploadRead(OutputModel):
    id: int
    content_type: str = Field(description="重新编码后的实际类型：image/jpeg、image/png 或 image/webp")
    size: int = Field(description="字节数")
    width: int
    height: int
    thumbnail_size: int = Field(description="缩略图字节数（长边不超过 320 像素）")
    content_url: str
    thumbnail_url: str
    attached: bool = Field(description="是否已附加到微心愿、社情民意、活动或表现记录")
    created_at: datetime
    created_by_name: str


class AttachmentCreate(InputModel):
    owner_kind: AttachmentOwnerKind
    owner_id: BodyId
    upload_id: BodyId
    purpose: AttachmentPurpose | None = Field(
        None,
        description="微心愿：fulfilment（默认，认领人也可添加）或 photo；社情民意：problem（默认，反映人也可添加）"
        "或 resolution；活动、表现记录：photo",
    )


class AttachmentRead(OutputModel):
    id: int
    owner_kind: AttachmentOwnerKind
    owner_id: int
    purpose: AttachmentPurpose
    upload: UploadRead
    created_at: datetime
    created_by_name: str


class AttachmentSort(StrEnum):
    id = "id"
    id_desc = "-id"


class AttachmentListQuery(ListQuery):
    owner_kind: Annotated[AttachmentOwnerKind, Query(description="附件所属对象的类型")]
    owner_id: Annotated[int, Query(**ID_BOUNDS, description="附件所属对象的 id")]
    purpose: AttachmentPurpose | None = None
    sort: AttachmentSort = AttachmentSort.id
