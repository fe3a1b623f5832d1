from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.heavy import run_heavy
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import ID_BOUNDS
from gongjian.stats import service
from gongjian.stats.schemas import AnnualStats, StatsFormat

router = DomainRouter(tags=["stats"])

Reader = Annotated[Principal, caller("stats:read")]
_RESPONSES = file_responses("年度统计（format=xlsx 时为报表文件）")


@router.get("/stats/annual", summary="社区年度统计（实时从记录计算）", responses=_RESPONSES)
async def annual_stats(
    principal: Reader,
    year: Annotated[int, Query(ge=1900, le=2999, description="年份")],
    community_id: Annotated[int, Query(**ID_BOUNDS, description="社区党组织")],
    format: StatsFormat = StatsFormat.json,
) -> AnnualStats:
    def work() -> AnnualStats:
        with unit_of_work() as session:
            return service.annual(session, principal, year=year, community_id=community_id)

    stats = await run_heavy(work)
    if format is StatsFormat.json:
        return stats
    content = await run_heavy(service.render_xlsx, stats)
    return download(content, f"{stats.community.name}{year}年度统计.xlsx", f"annual-stats-{year}.xlsx")  # type: ignore[return-value]
