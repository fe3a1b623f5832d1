from __future__ import annotations

from typing import Annotated

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.me import service
from gongjian.me.schemas import Overview

router = DomainRouter(tags=["auth"])


@router.get(
    "/me/overview",
    response_model=Overview,
    summary="本人概览：党员档案、服务卡、报名、时长、待办，居民的心愿和社情民意等，一次请求",
    description="关联党员档案的账号有 `member` 部分；居民账号有 `resident` 部分（本人的微心愿和社情民意）；"
    "管理员有 `admin` 部分（各计数与其打开的列表范围一致）。"
    "API 密钥没有“本人”，为 403。",
    responses=problem_responses(401, 403),
)
async def read_my_overview(principal: Annotated[Principal, caller(residents=True)]) -> Overview:
    with unit_of_work() as session:
        return service.overview(session, principal)
