from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import unprocessable
from gongjian.kit.heavy import run_heavy
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import ID_BOUNDS
from gongjian.stats import service
from gongjian.stats.schemas import AnnualStats, AreaAnnualStats, StatsFormat

router = DomainRouter(tags=["stats"])

Reader = Annotated[Principal, caller("stats:read")]
_RESPONSES = file_responses("年度统计（format=xlsx 时为报表文件）")


@router.get(
    "/stats/annual",
    summary="年度统计：社区的，或街道、区及其各社区并列的（实时从记录计算）",
    responses=_RESPONSES,
)
async def annual_stats(
    principal: Reader,
    year: Annotated[int, Query(ge=1900, le=2999, description="年份")],
    community_id: Annotated[int | None, Query(**ID_BOUNDS, description="社区党组织（与 org_id 二选一）")] = None,
    org_id: Annotated[
        int | None,
        Query(**ID_BOUNDS, description="街道党工委或区委组织部：合计和每个社区一行（与 community_id 二选一）"),
    ] = None,
    format: StatsFormat = StatsFormat.json,
) -> AnnualStats | AreaAnnualStats:
    if (community_id is None) == (org_id is None):
        raise unprocessable("stats_scope_required", "请指定 community_id 或 org_id 之一", field="query.community_id")
    if org_id is not None:
        area_id = org_id

        def area_work() -> AreaAnnualStats:
            with unit_of_work() as session:
                return service.area_annual(session, principal, year=year, org_id=area_id)

        area = await run_heavy(area_work)  # every community's report in turn: off the loop (kit.heavy)
        if format is StatsFormat.json:
            return area
        content = await run_heavy(service.render_area_xlsx, area)
        name = f"{area.organization.name}{year}年度统计.xlsx"
        return download(content, name, f"annual-stats-{year}.xlsx")  # type: ignore[return-value]
    assert community_id is not None  # exactly one of the two, checked above
    community = community_id

    def work() -> AnnualStats:
        with unit_of_work() as session:
            return service.annual(session, principal, year=year, community_id=community)

    stats = await run_heavy(work)
    if format is StatsFormat.json:
        return stats
    content = await run_heavy(service.render_xlsx, stats)
    return download(content, f"{stats.community.name}{year}年度统计.xlsx", f"annual-stats-{year}.xlsx")  # type: ignore[return-value]
