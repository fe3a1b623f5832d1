"""Query strings declared as one model and parsed in one validation.

Every list declares its query string as a `ListQuery` subclass (the list contract: kit.pagination)
and takes it with `query_of(Model)`. FastAPI reads each declared query parameter with several
Python steps per request (alias lookup, type introspection, default copying, a validation call):
about 58 µs for the six parameters of the organisation list, against 13 µs for validating the same
six as one Pydantic model in pydantic-core (measured in-process, bench notes in the README) — a
tenth of a list request.

The spec still lists every parameter: `document_query_models` writes them into each operation that
uses a model, byte for byte as FastAPI writes declared parameters (it has FastAPI write them, for a
stand-in endpoint declaring the fields one by one), so moving a list's parameters into a model
leaves its spec as it was. Errors are FastAPI's too: a bad value raises `RequestValidationError`
with `loc = ("query", name)`, so clients see the same 422 problem+json as for any other parameter.
"""

from __future__ import annotations

import copy
import inspect
from functools import cache
from types import UnionType
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from fastapi import Depends, FastAPI, Query, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import RouteContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gongjian.kit.openapi_docs import dependency_of, operations_of, place_after

Q = TypeVar("Q", bound="QueryModel")

MAX_PAGE_SIZE = 100
# The paging parameters' bounds and help, shared by `ListQuery` and `kit.pagination.page_params`.
PAGE_LIMITS: dict[str, Any] = {"ge": 1, "le": 100_000, "description": "页码，从 1 开始"}
PAGE_SIZE_LIMITS: dict[str, Any] = {"ge": 1, "le": MAX_PAGE_SIZE, "description": "每页条数，最多 100"}
PAGING_FIELDS = frozenset({"page", "page_size"})


class QueryModel(BaseModel):
    """The query parameters of one endpoint. Unknown parameters are ignored, as FastAPI does.

    Declare each field as the endpoint would declare the parameter (`QueryId`, `Annotated[bool |
    None, Query(description=…)] = None`, …): the spec then reads exactly as if it did.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)
    # Write the parameters from the model's JSON schema instead, the form the organisation list's
    # spec took when it became the first model; every other model reads as FastAPI writes it.
    documented_from_schema: ClassVar[bool] = False

    def filters(self) -> tuple[Any, ...]:
        """Every value but the paging: what a list's rows depend on (`pagination.cached_select`)."""
        return tuple(
            tuple(value) if isinstance(value, list) else value
            for name, value in self.__dict__.items()
            if name not in PAGING_FIELDS
        )


class ListQuery(QueryModel):
    """A list's query string: paging here, filters and `sort` in each subclass (kit.pagination).

    An export that shares a list's filters without its paging takes a `QueryModel` of the filters,
    and the list `class XListQuery(ListQuery, XFilters)`: the list's spec still reads as before.
    """

    page: int = Field(1, **PAGE_LIMITS)
    page_size: int = Field(20, **PAGE_SIZE_LIMITS)


class _QueryParser:
    def __init__(self, model: type[QueryModel]) -> None:
        self.model = model
        # Fields that take every value of a repeated parameter (`?status=a&status=b`), as FastAPI's
        # list parameters do.
        self.lists = tuple(
            name for name, field in model.model_fields.items() if get_origin(_without_none(field.annotation)) is list
        )

    async def __call__(self, request: Request) -> QueryModel:
        query = request.query_params
        # The last value of a repeated parameter wins, as for FastAPI's scalar parameters.
        values: dict[str, Any] = dict(query)
        for name in self.lists:
            if name in query:
                values[name] = query.getlist(name)
        try:
            return self.model.model_validate(values)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            for error in errors:
                error["loc"] = ("query", *error["loc"])
            raise RequestValidationError(errors) from None


def _without_none(annotation: Any) -> Any:
    """`list[str] | None` -> `list[str]`"""
    if get_origin(annotation) in (Union, UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def query_of(model: type[Q]) -> Any:
    """`Annotated[OrganizationListQuery, query_of(OrganizationListQuery)]`."""
    return Depends(_QueryParser(model))


def document_query_models(schema: dict[str, Any], routes: list[RouteContext]) -> None:
    """List each query model's fields as the operation's query parameters, and put the schemas
    they reference (enums) into the spec's components."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    declared: set[str] = set()  # the paths of operations that take a model documented as declared
    for route in routes:
        parser = dependency_of(route, _QueryParser)
        if parser is None or not route.include_in_schema:
            continue
        model = parser.model
        if model.documented_from_schema:
            parameters, referenced = _parameters_from_schema(model)
        else:
            parameters, referenced = _parameters_as_declared(model)
        for name, definition in referenced.items():
            if name not in components and not model.documented_from_schema:
                _insert_sorted(components, name, definition)  # where FastAPI puts its components
            if components.setdefault(name, definition) != definition:
                raise RuntimeError(f"{model.__name__}: two schemas named {name} in the spec")
        for operation in operations_of(schema, route):
            # Where FastAPI puts them, so the spec reads the same as for any other endpoint.
            merged = [*operation.get("parameters", []), *copy.deepcopy(parameters)]
            place_after(operation, "parameters", merged, "security", "operationId")
        if not model.documented_from_schema:
            declared.add(str(route.path_format))
    for path in declared:
        # FastAPI passes its document through its OpenAPI model, which writes a request body's keys
        # in the model's order (content, required) unless an operation of the same path has query
        # parameters, when they stay as FastAPI wrote them (required, content): as they would here.
        for operation in schema["paths"][path].values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body is not None and "required" in body:
                rest = {key: value for key, value in body.items() if key != "required"}
                required = body["required"]
                body.clear()
                body.update({"required": required, **rest})


def _insert_sorted(components: dict[str, Any], name: str, definition: Any) -> None:
    """Add `name` before the first component named after it (FastAPI writes its components sorted)."""
    items = list(components.items())
    at = next((i for i, (key, _) in enumerate(items) if key > name), len(items))
    items.insert(at, (name, definition))
    components.clear()
    components.update(items)


@cache
def _parameters_as_declared(model: type[QueryModel]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The parameters exactly as FastAPI writes them for an endpoint that declares the model's
    fields one by one (paging last, where `page_params` puts it): FastAPI itself writes them, for a
    stand-in endpoint with that signature in an app of its own."""
    hints = get_type_hints(model, include_extras=True)
    own: list[inspect.Parameter] = []
    paging: list[inspect.Parameter] = []
    for name, field in model.model_fields.items():
        annotation = hints[name]
        if not any(isinstance(extra, params.Param) for extra in getattr(annotation, "__metadata__", ())):
            # Declared with `= Field(...)`: the same constraints and help as a FastAPI parameter.
            annotation = Annotated[annotation, *field.metadata, Query(description=field.description)]
        declared = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=field.default, annotation=annotation)
        (paging if name in PAGING_FIELDS and issubclass(model, ListQuery) else own).append(declared)

    async def stand_in(**_: Any) -> None:
        return None

    stand_in.__signature__ = inspect.Signature([*own, *paging])  # type: ignore[attr-defined]
    app = FastAPI()
    app.get("/stand-in")(stand_in)
    spec = app.openapi()
    parameters = spec["paths"]["/stand-in"]["get"].get("parameters", [])
    # Only the schemas the parameters reference (enums): not the stand-in's own 422 schemas.
    referenced = {ref.rsplit("/", 1)[-1] for ref in _refs_in(parameters)}
    schemas = spec.get("components", {}).get("schemas", {})
    return parameters, {name: schemas[name] for name in schemas if name in referenced}


def _refs_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [ref for key, item in value.items() for ref in ([item] if key == "$ref" else _refs_in(item))]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    return []


@cache
def _parameters_from_schema(model: type[QueryModel]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The parameters written from the model's JSON schema (`documented_from_schema`)."""
    model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    referenced = model_schema.pop("$defs", {})
    required = set(model_schema.get("required", ()))
    parameters = []
    for name, field_schema in model_schema["properties"].items():
        if "$ref" in field_schema:
            field_schema.pop("title", None)  # FastAPI leaves a referenced schema untitled
        if field_schema.get("default", 0) is None:
            del field_schema["default"]  # …and an absent optional filter without a default
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        parameter["schema"] = field_schema
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        parameters.append(parameter)
    return parameters, referenced
