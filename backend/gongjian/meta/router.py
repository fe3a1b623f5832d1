"""Service metadata: health and the labelled enumerations clients show instead of hard-coding."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from gongjian.kit.routing import DomainRouter
from gongjian.meta import service
from gongjian.meta.schemas import EnumsRead, Health

router = DomainRouter(tags=["meta"])


@router.get("/meta/enums", summary="所有枚举及其中文名称")
async def list_enums() -> EnumsRead:
    return service.enums()


@router.get(
    "/health",
    summary="健康检查（含数据库连通性）",
    response_model=Health,
    responses={503: {"model": Health, "description": "数据库不可用"}},
)
async def health() -> Health | JSONResponse:
    body = service.health()
    if body.database == "unavailable":
        return JSONResponse(body.model_dump(), status_code=503)
    return body
