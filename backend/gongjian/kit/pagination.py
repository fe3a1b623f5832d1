"""The one list contract: a query model in, `{items, total, page, page_size}` out, one round trip.

A list endpoint is three short pieces:

1. Its query string is a `kit.query.ListQuery` subclass — `page` and `page_size` come with it; add
   the typed filters and a `sort` StrEnum (so a bad sort key is a 422 and the spec lists the keys):

       class OrganizationListQuery(ListQuery):
           kind: OrganizationKind | None = None
           q: str | None = Field(None, max_length=100, description="按名称模糊查找")
           sort: OrganizationSort = OrganizationSort.name

2. The router takes it with `query_of` and hands it to one service function:

       @router.get("/organizations", summary="党组织列表")
       async def list_organizations(
           principal: Reader, query: Annotated[OrganizationListQuery, query_of(OrganizationListQuery)]
       ) -> Page[OrganizationRead]:
           return service.list_organizations(principal, query)

3. The service builds the filtered, ordered select in a `cached_select` function of the query and
   whatever else the rows depend on (the caller, today's date), with filter values as plain values
   (`.value` of an enum), and reads the page with `read_page`:

       def list_organizations(principal: Principal, query: OrganizationListQuery) -> Page[OrganizationRead]:
           return read_page(_matching(query, principal.is_admin, principal.organization_id), query, OrganizationRead)

       @cached_select()
       def _matching(query: OrganizationListQuery, every: bool, own_org_id: int | None) -> Select[Any]:
           stmt = select(ORGANIZATIONS)
           if not every:
               stmt = stmt.where(ORGANIZATIONS.c.id == own_org_id)
           if query.kind is not None:
               stmt = stmt.where(ORGANIZATIONS.c.kind == query.kind.value)
           return apply_sort(stmt, query.sort, SORT_COLUMNS, ORGANIZATIONS.c.id)

   Pass the builder what the rows depend on and no more (here the scope, not the whole caller), so
   callers who see the same rows share one select.

   Inside a unit of work pass `session=session`. When the rows need converting first (decrypting,
   masking, names from other tables), `read_rows` gives the rows and the total, and `page_of`
   validates the converted rows into the page.

What `read_page` does: it adds the total to the select as one more column (a scalar subquery the
database evaluates once) and LIMIT/OFFSET as bind parameters, so the rows and the total come back
together; past the last page, where no row carries it, the total is read alone. For a select of
columns (`select(Table)` or `select(Model.a, Model.b)`), the page statement is compiled once per
statement shape — SQLAlchemy's cache key of the select, which leaves out the filter values — and
run straight on the DB-API cursor with each column converted by SQLAlchemy's own result processor,
as `db.HotQuery` does: SQLAlchemy's per-execution machinery costs more than such a query. Rows come
back as dicts. A select of ORM entities (`select(Member).options(joinedload(...))`) runs through
the session as usual, still in one round trip, and comes back as entities. Either way the work
is done once per select object, which is why the selects come from `cached_select`: building a
select and its cache key costs SQLAlchemy more than reading the page does.

Bounded: every page costs about what the first page costs, however large the table. An exact
COUNT and an unbounded OFFSET both grow with the rows that match (at 200,000 members the count alone
took longer than the page), so:

- the total is counted no further than MAX_ROWS + 1 rows (`SELECT count(*) FROM (… LIMIT 10001)`);
  beyond MAX_ROWS the page says `total = MAX_ROWS, total_capped = true`, and the SPA's pager shows
  "共 10000+ 条" (frontend/src/components/TablePager.vue);
- the offset is bounded: a page ending past MAX_ROWS is a 422 problem+json (`page_too_deep`, in
  Chinese: narrow the filters) — nobody pages through 10,000 rows of a table, they filter or sort.

A bounded offset rather than keyset paging (an opaque cursor): the SPA's lists are numbered pages
that jump (el-pagination, "前往 N 页"), which a cursor can't do, and with the bound the deepest page
walks at most MAX_ROWS index entries. Where a list's scope would make that walk a sort of every
matching row (members seen by an organisation's admin: unit side OR community side), the list
reads each side by its own index and merges them (members/service.py), so the walk stays an index
walk. `page_of` applies the same cap to a total a list counts itself.

Every list in the API reads this way; a new list follows the three steps above and checks that
`gongjian openapi` writes its parameters as the spec should read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from typing import Any, Generic, NamedTuple, ParamSpec, Protocol, TypeVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Dialect, Integer, Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from gongjian.db import get_engine, read_raw
from gongjian.kit.errors import unprocessable
from gongjian.kit.query import QueryModel

T = TypeVar("T")

# How far any list counts and pages (the module docstring, "Bounded"): the count stops at
# MAX_ROWS + 1 rows, a page ending past MAX_ROWS is a 422. 500 pages of 20, 100 of 100.
MAX_ROWS = 10_000
_COUNT_LIMIT: ColumnElement[Any] = literal_column(str(MAX_ROWS + 1))
_NO_OFFSET: ColumnElement[Any] = literal_column("0")
_ONE: ColumnElement[Any] = literal_column("1")  # SQLite would otherwise bind its own OFFSET 0
M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
S = TypeVar("S", bound=Select[Any] | ColumnElement[Any])


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description=f"符合条件的条数；超过 {MAX_ROWS} 条时只数到 {MAX_ROWS}（见 total_capped）")
    page: int
    page_size: int
    # Only in a capped page's JSON: the contract of every other page stays `{items, total, page, page_size}`.
    total_capped: bool = Field(
        False,
        exclude_if=lambda capped: not capped,
        description=f"仅在为 true 时出现：实际条数多于 total（显示为“{MAX_ROWS}+ 条”），且只能翻看前 {MAX_ROWS} 条",
    )


class Paging(Protocol):
    """What a page needs to know: a `ListQuery` (or a plain `PageParams`)."""

    @property
    def page(self) -> int: ...

    @property
    def page_size(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


# --- reading a page ------------------------------------------------------------------------------


def read_page(
    stmt: Select[Any],
    query: Paging,
    schema: type[M],
    *,
    session: Session | None = None,
    total: ColumnElement[int] | None = None,
) -> Page[M]:
    """One page of `stmt` (filtered and ordered) as `Page[schema]`, rows and total in one round trip.

    `session`: read inside that unit of work; without it the read runs on its own (a select of
    columns only). `total`: a cheaper exact expression for the count, when one is known; build it
    once (module level), since it is part of the statement's cache key.
    """
    rows, count = read_rows(stmt, query, session=session, total=total)
    return page_of(schema, rows, count, query)


def read_rows(
    stmt: Select[Any],
    query: Paging,
    *,
    session: Session | None = None,
    total: ColumnElement[int] | None = None,
) -> tuple[list[Any], int]:
    """`read_page` without the validation: the page's rows (dicts for a select of columns, entities
    for a select of one ORM entity) and the total."""
    limit, offset = query.page_size, (query.page - 1) * query.page_size
    check_depth(query)
    dialect = (session.get_bind() if session is not None else get_engine()).dialect
    found = _READS.get(stmt)
    if found is None or found.dialect is not dialect or found.total is not total:
        found = _read_of(stmt, total, dialect)
    plan, values = found.plan, found.values
    if plan is None:
        if session is None:
            raise TypeError("a select of ORM entities (or one SQLAlchemy can't cache) needs session=")
        return _read_through_session(session, stmt, found, limit, offset)
    rows = read_raw(plan.page.sql, plan.page.args(values, limit, offset), session=session)
    if not rows:
        counted = read_raw(plan.total.sql, plan.total.args(values, limit, offset), session=session, one=True)
        return [], int(counted[0][0]) if counted else 0
    keys, processors = plan.keys, plan.processors
    items = []
    for row in rows:
        if processors:
            row = list(row)
            for index, convert in processors:
                row[index] = convert(row[index])
        items.append(dict(zip(keys, row, strict=False)))
    return items, int(rows[0][-1])


def page_of(schema: type[M], rows: Sequence[Any], total: int, query: Paging) -> Page[M]:
    """Validate a whole page in one pass (dicts, schema instances, or ORM objects read by attribute).

    A total beyond MAX_ROWS (counted by `read_rows` only that far, or exactly by a list of its own)
    is answered as MAX_ROWS with `total_capped`, so every list says the same thing about its bound."""
    capped = total > MAX_ROWS
    return _page_model(schema).model_validate(
        {
            "items": rows,
            "total": MAX_ROWS if capped else total,
            "page": query.page,
            "page_size": query.page_size,
            "total_capped": capped,
        },
        from_attributes=True,
    )


def check_depth(query: Paging) -> None:
    """A page that ends past MAX_ROWS is a 422 (problem+json): narrow the filters instead."""
    if query.page * query.page_size > MAX_ROWS and query.page > 1:
        raise unprocessable(
            "page_too_deep",
            f"只能翻看前 {MAX_ROWS} 条（第 {MAX_ROWS // query.page_size} 页以内），请缩小筛选条件或更换排序后查找",
            field="page",
        )


@cache
def _page_model(schema: type[M]) -> type[Page[M]]:
    return Page[schema]  # type: ignore[valid-type]


def _page_statement(stmt: Select[Any], total: ColumnElement[int] | None) -> tuple[Select[Any], Select[Any]]:
    """`stmt` with its total as the last column and LIMIT/OFFSET as bind parameters; and the total alone."""
    count = (total if total is not None else bounded_count(stmt)).label("_total")
    return stmt.add_columns(count).limit(bindparam("_limit")).offset(bindparam("_offset")), select(count)


def cut_at_page_end(stmt: Select[Any]) -> Select[Any]:
    """`stmt` (ordered as the list) limited to the rows up to the end of the page `read_rows` reads:
    for a side of a union that the database would otherwise read whole before merging (members).
    The page's own LIMIT and OFFSET binds, so the value comes with each page."""
    page_end = bindparam("_limit", type_=Integer) + bindparam("_offset", type_=Integer)
    # The OFFSET a literal: SQLite would otherwise bind one of its own, which no cache key carries.
    return stmt.limit(page_end).offset(_NO_OFFSET)


def bounded_count(stmt: Select[Any]) -> ColumnElement[int]:
    """The rows of `stmt`, counted no further than MAX_ROWS + 1 (enough to know it is more): every
    list's total, and `read_rows(total=…)` for a page read by another select than the one counted."""
    # A literal, not a bind: the page's compiled plan takes its values from the select's cache key.
    counted = stmt.order_by(None)
    if not (stmt._distinct or stmt._group_by_clauses or stmt._having_criteria or _is_orm(stmt)):
        # Count rows, not columns: nothing computed per row, and a LEFT JOIN that only fed the
        # columns is dropped by both databases (a unique key on its other side).
        counted = counted.with_only_columns(_ONE, maintain_column_froms=True)
    bounded = counted.limit(_COUNT_LIMIT).offset(_NO_OFFSET)
    return select(func.count()).select_from(bounded.subquery()).scalar_subquery()


def _read_through_session(
    session: Session, stmt: Select[Any], read: _Read, limit: int, offset: int
) -> tuple[list[Any], int]:
    if read.session_page is None:
        read.session_page = _page_statement(stmt, read.total)
    page, count = read.session_page
    result = session.execute(page, {"_limit": limit, "_offset": offset})
    rows = result.unique().all() if read.orm else result.all()
    if not rows:
        return [], int(session.execute(count).scalar_one())
    if read.orm and len(rows[0]) == 2:
        return [row[0] for row in rows], int(rows[0][-1])
    return [{k: v for k, v in row._mapping.items() if k != "_total"} for row in rows], int(rows[0][-1])


# --- selects built once per distinct filters ---------------------------------------------------------


def cached_select(maxsize: int = 256) -> Callable[[Callable[P, S]], Callable[P, S]]:
    """Keep what a list's select builder returns, per distinct arguments, and hand it out again.

    Building a select and its cache key costs SQLAlchemy 50–100 µs, as much as reading the page, so
    the lists build each distinct select once: the default view, the same filters again, the next
    page (a query model argument counts by its `filters()`, not its page). The builder must depend on
    its arguments only (no clock, no database reads: pass today's date in if it needs one), and its
    arguments must be hashable (a `Principal` is).

        @cached_select()
        def organizations_matching(query: OrganizationListQuery, viewer: Principal) -> Select[Any]:
            ...
    """

    def decorate(build: Callable[P, S]) -> Callable[P, S]:
        @lru_cache(maxsize=maxsize)
        def built(call: _Call) -> S:
            return build(*call.args, **call.kwargs)

        @wraps(build)
        def cached(*args: P.args, **kwargs: P.kwargs) -> S:
            return built(_Call(args, kwargs))

        cached.cache_clear = built.cache_clear  # type: ignore[attr-defined]
        return cached

    return decorate


class _Call:
    """The arguments of one call, equal to another call's when the select would be the same."""

    __slots__ = ("args", "hash", "key", "kwargs")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.args, self.kwargs = args, kwargs
        self.key = tuple(arg.filters() if isinstance(arg, QueryModel) else arg for arg in args)
        if kwargs:
            self.key += tuple((k, v.filters() if isinstance(v, QueryModel) else v) for k, v in sorted(kwargs.items()))
        self.hash = hash(self.key)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Call) and self.key == other.key


# --- how each select is read ------------------------------------------------------------------------


class _Compiled(NamedTuple):
    """One compiled statement and where each of its placeholders takes its value from."""

    sql: str
    positional: bool  # SQLite's `?` placeholders take a tuple, PostgreSQL's named ones a dict
    names: tuple[str, ...]
    # Per placeholder: index into the select's bind values, or -1 for LIMIT, -2 for OFFSET.
    sources: tuple[int, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]

    def args(self, values: Sequence[Any], limit: int, offset: int) -> Any:
        out = []
        for source, convert in zip(self.sources, self.converters, strict=True):
            value = values[source] if source >= 0 else (limit if source == -1 else offset)
            out.append(convert(value) if convert is not None else value)
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))


class _Plan(NamedTuple):
    """The compiled page of one statement shape, run on the raw cursor."""

    page: _Compiled
    total: _Compiled  # the total alone, for a page past the end
    keys: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


# Plans by (dialect, the select's cache key, the total's): a process sees a few dozen shapes. None:
# the shape runs through the session (ORM entities, values that change the SQL text such as
# expanding IN lists, clashing column names).
MAX_SHAPES = 500
_PLANS: dict[tuple[Any, ...], _Plan | None] = {}


@dataclass(slots=True, eq=False)
class _Read:
    """One select object's plan and bind values (a `cached_select` hands out the same object again).
    Nothing here refers to the select itself, which is what lets it go when nothing else keeps it."""

    dialect: Dialect
    total: ColumnElement[int] | None
    plan: _Plan | None
    values: list[Any]
    orm: bool
    session_page: tuple[Select[Any], Select[Any]] | None = None


_READS: WeakKeyDictionary[Select[Any], _Read] = WeakKeyDictionary()


def _read_of(stmt: Select[Any], total: ColumnElement[int] | None, dialect: Dialect) -> _Read:
    key = stmt._generate_cache_key()
    total_key = total._generate_cache_key() if total is not None else None
    orm = _is_orm(stmt)
    plan, values = None, []
    if key is not None and (total is None or total_key is not None) and not orm:
        shape = (dialect.name, key.key, total_key.key if total_key is not None else None)
        if shape in _PLANS:
            plan = _PLANS[shape]
        else:
            if len(_PLANS) >= MAX_SHAPES:
                _PLANS.clear()  # a bound, not an eviction policy: never reached in practice
            plan = _PLANS[shape] = _plan(stmt, _binds_of(key, total_key), total, dialect)
        values = [bind.effective_value for bind in _binds_of(key, total_key)]
    read = _Read(dialect, total, plan, values, orm)
    binds = _binds_of(key, total_key) if key is not None else []
    if key is None or not any(bind.callable for bind in binds):  # values fixed for good
        _READS[stmt] = read
    return read


def _binds_of(key: Any, total_key: Any) -> list[Any]:
    """The page's bind parameters: the select's, then a separate total's (`read_rows(total=…)`)."""
    return [*key.bindparams, *(total_key.bindparams if total_key is not None else ())]


def _is_orm(stmt: Select[Any]) -> bool:
    return any(isinstance(column["type"], type) for column in stmt.column_descriptions)


def _plan(stmt: Select[Any], binds: Sequence[Any], total: ColumnElement[int] | None, dialect: Dialect) -> _Plan | None:
    keys = tuple(str(column.key) for column in stmt.selected_columns)
    if len(set(keys)) != len(keys):
        return None  # rows can't be dicts
    page, count = _page_statement(stmt, total)
    page_sql = _compile(page, binds, dialect)
    total_sql = _compile(count, binds, dialect)
    if page_sql is None or total_sql is None:
        return None
    processors = tuple(
        (index, convert)
        for index, column in enumerate(stmt.selected_columns)
        if (convert := column.type._cached_result_processor(dialect, None)) is not None
    )
    return _Plan(page_sql, total_sql, keys, processors)


def _compile(stmt: Select[Any], binds: Sequence[Any], dialect: Dialect) -> _Compiled | None:
    """None when the SQL text depends on the values (expanding IN lists, literal binds)."""
    compiled = stmt.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    index_of = {bind.key: index for index, bind in enumerate(binds)}
    index_of.update({"_limit": -1, "_offset": -2})
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.bind_names.values())
    processors = compiled._bind_processors
    sources: list[int] = []
    converters: list[Callable[[Any], Any] | None] = []
    for name in names:
        bind = compiled.binds[name]
        if bind.key not in index_of:
            return None  # a value the cache key doesn't carry: let SQLAlchemy bind it
        sources.append(index_of[bind.key])
        converters.append(processors.get(name))  # type: ignore[arg-type]  # one per scalar bind
    escaped = tuple(compiled.escaped_bind_names.get(name, name) for name in names)
    return _Compiled(compiled.string, dialect.positional, escaped, tuple(sources), tuple(converters))
