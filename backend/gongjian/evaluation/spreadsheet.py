"""The unit's sheet for its party committee meeting: ranking with both parts and the community's
opinions, one row per member (xlsx)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from gongjian.models.enums import EvaluationGrade

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(ranking: dict[str, Any]) -> bytes:
    period = ranking["period"]
    criteria: list[dict[str, Any]] = period.criteria
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考评结果"
    state = "（试算，未定档）" if ranking["provisional"] else ""
    ws.append([f"{period.name} 党员双向考评 — {ranking['unit_org']['name']}{state}"])
    ws["A1"].font = Font(bold=True, size=14)
    weight = period.community_weight_milli / 1000
    ws.append(
        [
            f"最终得分 = {weight:g}×社区评分 + {1 - weight:g}×单位评分；"
            f"参评 {ranking['member_count']} 人，优秀名额 {ranking['excellent_quota']} 人"
        ]
    )
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
    ws.append(header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in ranking["items"]:
        points = row["points"] or {}
        ws.append(
            [
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
        )
    for index in (len(header) - 1, len(header)):
        ws.column_dimensions[get_column_letter(index)].width = 40
    for row_cells in ws.iter_rows(min_row=4):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
