"""The unit's sheet for its party committee meeting: ranking with both parts and the community's
opinions, one row per member (xlsx)."""

from __future__ import annotations

from typing import Any

from gongjian.kit.spreadsheet import Sheet, xlsx
from gongjian.models.enums import EvaluationGrade


def render(ranking: dict[str, Any]) -> bytes:
    period = ranking["period"]
    criteria: list[dict[str, Any]] = period.criteria
    state = "（试算，未定档）" if ranking["provisional"] else ""
    weight = period.community_weight_milli / 1000
    header = [
        "名次",
        "姓名",
        "最终得分",
        "社区评分",
        "单位评分",
        *[f"{c['name']}（{c['max_points']}）" for c in criteria],
        "等级",
        "受否决规则限制",
        "推荐评优",
        "社区意见",
        "单位评语",
    ]
    # The two free-text columns (opinions, comments) are wide; every data cell wraps.
    sheet = Sheet("考评结果", widths={len(header) - 1: 40, len(header): 40})
    sheet.title(f"{period.name} 党员双向考评 — {ranking['unit_org']['name']}{state}")
    sheet.line(
        f"最终得分 = {weight:g}×社区评分 + {1 - weight:g}×单位评分；"
        f"参评 {ranking['member_count']} 人，优秀名额 {ranking['excellent_quota']} 人"
    )
    sheet.header(*header)
    sheet.rows((_line(row, criteria) for row in ranking["items"]), wrap=True)
    return xlsx([sheet])


def _line(row: dict[str, Any], criteria: list[dict[str, Any]]) -> list[Any]:
    points = row["points"] or {}
    return [
        row["rank"],
        row["member"]["name"],
        row["final_score"],
        row["community_score"],
        row["unit_score"],
        *[points[c["code"]] / 10 if c["code"] in points else None for c in criteria],
        EvaluationGrade.label_of(row["grade"]) if row["grade"] else "",
        "是" if row["vetoed"] else "",
        "是" if row["recommended_for_award"] else "",
        row["opinion"] or "",
        row["unit_comment"] or "",
    ]
