from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.body_limit import MiB, body_limit, too_large
from gongjian.kit.errors import problem_responses
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.uploads import service
from gongjian.uploads.schemas import AttachmentCreate, AttachmentListQuery, AttachmentRead, UploadRead

router = DomainRouter(tags=["uploads"])

# Residents too: photos of their own wishes and concerns (who reads and attaches what: permissions.py).
Reader = Annotated[Principal, caller("uploads:read", residents=True)]
Writer = Annotated[Principal, caller("uploads:write", residents=True)]

MAX_IMAGE_BYTES = 5 * MiB
# The multipart framing around the file (boundaries, part headers) on top of the image itself.
MAX_BODY_BYTES = MAX_IMAGE_BYTES + 64 * 1024

_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "图片（重新编码，不含 EXIF 等元数据）",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGE_TYPES},
    },
    304: {"description": "与 If-None-Match 所给 ETag 相同，未变化"},
}


@router.post(
    "/uploads",
    summary="上传图片（JPEG、PNG 或 WebP，不超过 5 MiB；重新编码，去除 EXIF、GPS 等全部元数据）",
    status_code=201,
    dependencies=[body_limit(MAX_BODY_BYTES)],
    responses=problem_responses(413, 503),
)
async def create_upload(
    principal: Writer,
    response: Response,
    file: Annotated[UploadFile, File(description="图片文件；按内容识别类型，不看文件名和声明的类型")],
) -> UploadRead:
    content = await file.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        raise too_large(MAX_IMAGE_BYTES)
    upload = await run_in_threadpool(service.create_upload, principal, content)
    created(response, f"/uploads/{upload.id}")
    return upload


@router.get("/uploads/{upload_id}", summary="图片信息")
async def get_upload(upload_id: PathId, principal: Reader) -> UploadRead:
    with unit_of_work() as session:
        return service.get_upload(session, principal, upload_id)


def _image(request: Request, served: service.Served) -> Response:
    headers = {
        "ETag": served.etag,
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": f'inline; filename="{served.filename}"',
    }
    if request.headers.get("if-none-match") == served.etag:
        return Response(status_code=304, headers=headers)
    return Response(served.content, media_type=served.content_type, headers=headers)


@router.get("/uploads/{upload_id}/content", summary="图片内容", response_class=Response, responses=_IMAGE_RESPONSES)
async def get_upload_content(upload_id: PathId, principal: Reader, request: Request) -> Response:
    served = await run_in_threadpool(service.served_file, principal, upload_id, thumbnail=False)
    return _image(request, served)


@router.get(
    "/uploads/{upload_id}/thumbnail",
    summary="图片缩略图（长边不超过 320 像素）",
    response_class=Response,
    responses=_IMAGE_RESPONSES,
)
async def get_upload_thumbnail(upload_id: PathId, principal: Reader, request: Request) -> Response:
    served = await run_in_threadpool(service.served_file, principal, upload_id, thumbnail=True)
    return _image(request, served)


@router.post(
    "/attachments",
    summary="把自己上传的图片附加到微心愿、社情民意、活动或在社区表现记录",
    status_code=201,
    responses=problem_responses(409),
)
async def create_attachment(body: AttachmentCreate, principal: Writer, response: Response) -> AttachmentRead:
    with unit_of_work() as session:
        attachment = service.attach(session, principal, body)
    created(response, f"/attachments?owner_kind={attachment.owner_kind.value}&owner_id={attachment.owner_id}")
    return attachment


@router.get("/attachments", summary="某一对象的附件（能看到该对象的人才能看到）")
async def list_attachments(
    principal: Reader, query: Annotated[AttachmentListQuery, query_of(AttachmentListQuery)]
) -> Page[AttachmentRead]:
    with unit_of_work() as session:
        return service.list_attachments(session, principal, query)


@router.delete("/attachments/{attachment_id}", summary="取下附件", status_code=204)
async def delete_attachment(attachment_id: PathId, principal: Writer) -> Response:
    with unit_of_work() as session:
        service.detach(session, principal, attachment_id)
    return Response(status_code=204)
