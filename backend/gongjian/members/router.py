from __future__ import annotations

from typing import IO, Annotated

from fastapi import File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.body_limit import body_limit
from gongjian.kit.errors import PROBLEM_MEDIA_TYPE, Problem, problem_content, problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.heavy import run_heavy
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.spreadsheet import download, file_download, file_responses, spool
from gongjian.kit.types import PathId
from gongjian.members import community_records, importing, service, spreadsheet
from gongjian.members.schemas import (
    CommunityRecordCreate,
    CommunityRecordListQuery,
    CommunityRecordRead,
    FileFormat,
    ImportProblem,
    ImportResult,
    MemberCreate,
    MemberFilters,
    MemberListQuery,
    MemberRead,
    MemberUpdate,
)

router = DomainRouter(tags=["members"])

Reader = Annotated[Principal, caller("members:read")]
Writer = Annotated[Principal, caller("members:write")]

_FILE_RESPONSE = file_responses("文件（xlsx 或 csv，按 format）", with_csv=True)


@router.get("/members", summary="党员列表")
async def list_members(
    principal: Reader, query: Annotated[MemberListQuery, query_of(MemberListQuery)]
) -> Page[MemberRead]:
    return service.list_members(principal, query)


@router.post("/members", summary="登记党员（发放对应服务卡）", status_code=201)
async def create_member(body: MemberCreate, principal: Writer, response: Response) -> MemberRead:
    with unit_of_work(write_lock=True) as session:
        member = service.create_member(session, principal, body)
        created(response, f"/members/{member.id}", member.version)
        return member


@router.get(
    "/members/import-template",
    summary="党员导入模板（含示例行；xlsx 的性别、党员类别和本人可填的党组织为下拉选择）",
    response_class=Response,
    responses=_FILE_RESPONSE,
)
async def get_member_import_template(principal: Reader, format: FileFormat = FileFormat.xlsx) -> Response:
    def work() -> bytes:
        return spreadsheet.template(format, importing.template_choices(principal))

    content = await run_in_threadpool(work)
    return download(content, f"党员导入模板.{format.value}", f"member-import-template.{format.value}")


_IMPORT_LIMITS = f"""按导入模板逐行校验全部行：有任何一行出错则什么都不导入，并列出出错的行；全部通过后分批写入
（每批 {importing.WRITE_CHUNK_ROWS} 行，期间其他写操作照常进行；某批写入失败时已写入的批次会撤回）。

文件限制（超出时返回 422，code 见括号）：
- 文件不超过 {spreadsheet.MAX_UPLOAD_BYTES // 1024 // 1024} MB（413）；
- 表头之后最多 {spreadsheet.MAX_ROWS} 行，空行也计入（`too_many_rows`）；每行只读前 {spreadsheet.MAX_COLUMNS} 列；
- .xlsx 在打开前按压缩包目录检查（`import_too_large`）：内含文件不超过 {spreadsheet.MAX_XLSX_ENTRIES} 个，
  单个部件解压后不超过 {spreadsheet.MAX_XLSX_ENTRY_BYTES // 1024 // 1024} MB，合计不超过
  {spreadsheet.MAX_XLSX_TOTAL_BYTES // 1024 // 1024} MB，1 MB 以上部件的压缩比不超过 {spreadsheet.MAX_XLSX_RATIO} 倍；
- 读取和校验须在 GONGJIAN_IMPORT_TIMEOUT_SECONDS（默认 120 秒）内完成，超时即停止、不写入（`import_timeout`）。
"""


@router.post(
    "/members/import",
    summary="批量导入党员（全部成功或全部不导入）",
    description=_IMPORT_LIMITS,
    dependencies=[body_limit(spreadsheet.MAX_UPLOAD_BYTES)],
    responses={
        **problem_responses(413),
        422: {
            "description": "文件无法读取或超出限制，或有行出错（rows 列出每一行的错误；什么都没有导入）",
            # A bad request (no file, bad query) is the ordinary validation problem, without rows.
            "content": problem_content(ImportProblem, Problem),
        },
    },
)
async def import_members(
    principal: Writer,
    file: Annotated[UploadFile, File(description="按导入模板填写的 .xlsx 或 .csv 文件")],
    dry_run: Annotated[bool, Query(description="true 只校验，不写入")] = False,
) -> ImportResult:
    content = await file.read()
    outcome = await run_in_threadpool(importing.import_upload, principal, content, file.filename, dry_run=dry_run)
    if isinstance(outcome, ImportProblem):
        return JSONResponse(outcome.model_dump(), status_code=422, media_type=PROBLEM_MEDIA_TYPE)  # type: ignore[return-value]
    return outcome


@router.get(
    "/members/export", summary="导出党员（与列表相同的筛选）", response_class=Response, responses=_FILE_RESPONSE
)
async def export_members(
    principal: Reader,
    query: Annotated[MemberFilters, query_of(MemberFilters)],
    format: FileFormat = FileFormat.xlsx,
) -> Response:
    def work() -> IO[bytes]:
        # Read and written in one worker thread, into a spooled file; the session is closed before
        # the response starts, so a slow client holds no connection (kit/spreadsheet.py).
        out = spool()
        try:
            service.export_members(principal, query, lambda rows: spreadsheet.write_export(rows, format, out))
        except BaseException:
            out.close()
            raise
        return out

    return file_download(await run_heavy(work), f"党员名册.{format.value}", f"members.{format.value}")


@router.get("/members/{member_id}", summary="党员详情")
async def get_member(member_id: PathId, principal: Reader, response: Response) -> MemberRead:
    with unit_of_work() as session:
        member = service.get_member(session, principal, member_id)
        set_etag(response, member.version)
        return member


@router.patch("/members/{member_id}", summary="修改党员信息", responses=problem_responses(412))
async def update_member(
    member_id: PathId, body: MemberUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> MemberRead:
    with unit_of_work(write_lock=True) as session:
        member = service.update_member(session, principal, member_id, body, if_match)
        set_etag(response, member.version)
        return member


@router.post("/members/{member_id}/archive", summary="归档党员")
async def archive_member(member_id: PathId, principal: Writer, response: Response) -> MemberRead:
    with unit_of_work() as session:
        member = service.set_member_archived(session, principal, member_id, archived=True)
        set_etag(response, member.version)
        return member


@router.post("/members/{member_id}/restore", summary="恢复已归档的党员")
async def restore_member(member_id: PathId, principal: Writer, response: Response) -> MemberRead:
    with unit_of_work() as session:
        member = service.set_member_archived(session, principal, member_id, archived=False)
        set_etag(response, member.version)
        return member


@router.get("/members/{member_id}/community-records", summary="党员在社区表现记录")
async def list_community_records(
    member_id: PathId,
    principal: Reader,
    query: Annotated[CommunityRecordListQuery, query_of(CommunityRecordListQuery)],
) -> Page[CommunityRecordRead]:
    return community_records.list_community_records(principal, member_id, query)


@router.post("/members/{member_id}/community-records", summary="记录党员在社区的表现（报到社区）", status_code=201)
async def add_community_record(
    member_id: PathId, body: CommunityRecordCreate, principal: Writer, response: Response
) -> CommunityRecordRead:
    with unit_of_work() as session:
        record = community_records.add_community_record(session, principal, member_id, body)
        created(response, f"/members/{member_id}/community-records/{record.id}")
        return record


@router.get("/members/{member_id}/community-records/{record_id}", summary="在社区表现记录详情")
async def get_community_record(member_id: PathId, record_id: PathId, principal: Reader) -> CommunityRecordRead:
    with unit_of_work() as session:
        return community_records.get_community_record(session, principal, member_id, record_id)
