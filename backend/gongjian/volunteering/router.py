from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.batch import BatchIds, BatchResult, run_each
from gongjian.kit.etag import set_etag
from gongjian.kit.exporting import Column, every_row, sheet_xlsx
from gongjian.kit.heavy import run_heavy
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import PathId
from gongjian.volunteering import certificate_requests, certificates, corrections, hours, pdf, records
from gongjian.volunteering.schemas import (
    CERTIFICATE_NUMBER_PATTERN,
    CertificateCreate,
    CertificatePublic,
    CertificateRead,
    CertificateRequestCreate,
    CertificateRequestDecline,
    CertificateRequestListQuery,
    CertificateRequestRead,
    CorrectionRequestCreate,
    CorrectionRequestDecline,
    CorrectionRequestListQuery,
    CorrectionRequestRead,
    HoursSummaryQuery,
    HoursSummaryRow,
    MemberHours,
    RecordCorrection,
    RecordCreate,
    RecordListQuery,
    RecordRead,
    ReviewBody,
)

router = DomainRouter(tags=["volunteering"])
public_router = DomainRouter(tags=["volunteering"])

Reader = Annotated[Principal, caller("hours:read")]
Writer = Annotated[Principal, caller("hours:write")]
Number = Annotated[str, Path(pattern=CERTIFICATE_NUMBER_PATTERN, description="证明编号")]


@router.get("/volunteer-records", summary="志愿服务记录列表")
async def list_volunteer_records(
    principal: Reader, query: Annotated[RecordListQuery, query_of(RecordListQuery)]
) -> Page[RecordRead]:
    with unit_of_work() as session:
        return records.list_records(session, principal, query)


@router.post("/volunteer-records", summary="录入志愿服务记录（组织单位）", status_code=201)
async def create_volunteer_record(body: RecordCreate, principal: Writer, response: Response) -> RecordRead:
    with unit_of_work() as session:
        record = records.create_record(session, principal, body)
        created(response, f"/volunteer-records/{record.id}", record.version)
        return record


@router.get("/volunteer-records/{record_id}", summary="志愿服务记录详情")
async def get_volunteer_record(record_id: PathId, principal: Reader, response: Response) -> RecordRead:
    with unit_of_work() as session:
        record = records.read_record(session, principal, record_id)
        set_etag(response, record.version)
        return record


@router.get("/volunteer-records/{record_id}/history", summary="记录的全部版本（原始记录与各次更正），按时间先后")
async def get_volunteer_record_history(record_id: PathId, principal: Reader) -> list[RecordRead]:
    with unit_of_work() as session:
        return records.record_history(session, principal, record_id)


@router.post("/volunteer-records/{record_id}/approve", summary="审核通过（组织单位管理员，不能审核自己录入的）")
async def approve_volunteer_record(record_id: PathId, body: ReviewBody, principal: Writer) -> RecordRead:
    with unit_of_work() as session:
        return records.review(session, principal, record_id, True, body.note)


@router.post(
    "/volunteer-records/batch-approve",
    summary="批量审核通过：每条按单条审核的规则处理，逐条答复（未通过的给出原因）",
)
async def batch_approve_volunteer_records(body: BatchIds, principal: Writer) -> BatchResult:
    with unit_of_work() as session:
        return run_each(session, body.ids, lambda record_id: records.review(session, principal, record_id, True, ""))


@router.post("/volunteer-records/{record_id}/reject", summary="驳回（组织单位管理员，须填意见）")
async def reject_volunteer_record(record_id: PathId, body: ReviewBody, principal: Writer) -> RecordRead:
    with unit_of_work() as session:
        return records.review(session, principal, record_id, False, body.note)


@router.post(
    "/volunteer-records/{record_id}/corrections",
    summary="更正已通过的记录：生成一条引用原记录的新记录，待审核；原记录不变",
    status_code=201,
)
async def correct_volunteer_record(
    record_id: PathId, body: RecordCorrection, principal: Writer, response: Response
) -> RecordRead:
    with unit_of_work() as session:
        record = corrections.correct_record(session, principal, record_id, body)
        created(response, f"/volunteer-records/{record.id}", record.version)
        return record


@router.post("/volunteer-records/{record_id}/correction-requests", summary="党员对本人记录申请更正", status_code=201)
async def request_volunteer_record_correction(
    record_id: PathId, body: CorrectionRequestCreate, principal: Writer
) -> CorrectionRequestRead:
    with unit_of_work() as session:
        return corrections.request_correction(session, principal, record_id, body)


@router.get("/volunteer-correction-requests", summary="更正申请列表")
async def list_volunteer_correction_requests(
    principal: Reader, query: Annotated[CorrectionRequestListQuery, query_of(CorrectionRequestListQuery)]
) -> Page[CorrectionRequestRead]:
    with unit_of_work() as session:
        return corrections.list_requests(session, principal, query)


@router.post(
    "/volunteer-correction-requests/{request_id}/decline",
    summary="答复更正申请：不予更正（同意更正请提交更正记录并带上 request_id）",
)
async def decline_volunteer_correction_request(
    request_id: PathId, body: CorrectionRequestDecline, principal: Writer
) -> CorrectionRequestRead:
    with unit_of_work() as session:
        return corrections.decline_request(session, principal, request_id, body.reply)


@router.get("/volunteer-hours/summary", summary="志愿服务时长汇总（只计审核通过的、未被更正取代的记录）")
async def volunteer_hours_summary(
    principal: Reader, query: Annotated[HoursSummaryQuery, query_of(HoursSummaryQuery)]
) -> Page[HoursSummaryRow]:
    def work() -> Page[HoursSummaryRow]:
        with unit_of_work() as session:
            return hours.hours_summary(session, principal, query)

    return await run_heavy(work)  # aggregates every counted record in scope: off the loop (kit.heavy)


@router.get(
    "/volunteer-hours/summary/export",
    summary="导出志愿服务时长汇总（与汇总列表相同的分组、年份和排序，xlsx）",
    response_class=Response,
    responses=file_responses("xlsx 文件"),
)
async def export_volunteer_hours_summary(
    principal: Reader, query: Annotated[HoursSummaryQuery, query_of(HoursSummaryQuery)]
) -> Response:
    def work() -> bytes:
        with unit_of_work() as session:
            rows = every_row(lambda q: hours.hours_summary(session, principal, q), query)
        by = {"member": "党员", "organization": "组织单位", "community": "社区"}[query.group_by.value]
        columns = [
            Column(by, 24, lambda r: r.name),
            Column("时长（小时）", 12, lambda r: r.hours),
            Column("记录数", 8, lambda r: r.record_count),
        ]
        if query.group_by.value == "member":
            columns.append(Column("星级", 6, lambda r: r.stars or ""))
        title = f"{query.year}年志愿服务时长（按{by}）" if query.year else f"志愿服务时长（按{by}）"
        return sheet_xlsx(title, columns, rows)

    return download(await run_heavy(work), "志愿服务时长汇总.xlsx", "volunteer-hours.xlsx")


@router.get("/members/{member_id}/volunteer-hours", summary="党员的志愿服务时长：合计、星级、按年、按活动类型")
async def get_member_volunteer_hours(member_id: PathId, principal: Reader) -> MemberHours:
    with unit_of_work() as session:
        return hours.member_hours(session, principal, member_id)


@router.post("/members/{member_id}/volunteer-certificates", summary="出具志愿服务证明", status_code=201)
async def issue_volunteer_certificate(
    member_id: PathId, body: CertificateCreate, principal: Writer, response: Response
) -> CertificateRead:
    with unit_of_work() as session:
        certificate = certificates.issue_certificate(session, principal, member_id, body)
        created(response, f"/certificates/{certificate.number}")
        return certificate


@router.post(
    "/volunteer-certificate-requests", summary="党员申请本人的志愿服务证明（由所在社区或单位出具）", status_code=201
)
async def request_volunteer_certificate(
    body: CertificateRequestCreate, principal: Writer, response: Response
) -> CertificateRequestRead:
    with unit_of_work() as session:
        request = certificate_requests.request_certificate(session, principal, body)
    created(response, f"/volunteer-certificate-requests/{request.id}", request.version)
    return request


@router.get("/volunteer-certificate-requests", summary="志愿服务证明申请列表（本人的；出具组织管理员：本组织的）")
async def list_volunteer_certificate_requests(
    principal: Reader, query: Annotated[CertificateRequestListQuery, query_of(CertificateRequestListQuery)]
) -> Page[CertificateRequestRead]:
    with unit_of_work() as session:
        return certificate_requests.list_requests(session, principal, query)


@router.get("/volunteer-certificate-requests/{request_id}", summary="志愿服务证明申请详情")
async def get_volunteer_certificate_request(request_id: PathId, principal: Reader) -> CertificateRequestRead:
    with unit_of_work() as session:
        return certificate_requests.get_request(session, principal, request_id)


@router.post("/volunteer-certificate-requests/{request_id}/issue", summary="按申请出具志愿服务证明（出具组织管理员）")
async def issue_requested_volunteer_certificate(request_id: PathId, principal: Writer) -> CertificateRequestRead:
    with unit_of_work() as session:
        return certificate_requests.issue_requested(session, principal, request_id)


@router.post(
    "/volunteer-certificate-requests/{request_id}/decline", summary="不予出具证明（出具组织管理员，须说明理由）"
)
async def decline_volunteer_certificate_request(
    request_id: PathId, body: CertificateRequestDecline, principal: Writer
) -> CertificateRequestRead:
    with unit_of_work() as session:
        return certificate_requests.decline_request(session, principal, request_id, body.reply)


def _public(number: str) -> CertificatePublic:
    with unit_of_work() as session:
        return certificates.public_certificate(session, number)


@public_router.get(
    "/certificates/{number}.pdf",
    summary="志愿服务证明 PDF（公开，凭编号）",
    response_class=Response,
    responses={
        200: {
            "description": "可打印的 PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def get_certificate_pdf(number: Number, request: Request) -> Response:
    certificate = _public(number)
    verify_url = certificates.verification_url(str(request.base_url), number)
    content = await run_in_threadpool(pdf.render_certificate, certificate, verify_url)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{number}.pdf"'},
    )


@public_router.get("/certificates/{number}", summary="查验志愿服务证明（公开，凭编号；只显示证明上的内容）")
async def verify_certificate(number: Number) -> CertificatePublic:
    return _public(number)
