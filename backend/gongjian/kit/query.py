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
# The paging parameters' bounds and help (`ListQuery`).
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
    # FastAPI writes its components sorted by name: a schema a declared-as-is model references goes
    # where FastAPI would have put it; the schema-written form's go after (where they have been).
    declared: dict[str, Any] = {}
    written: dict[str, Any] = {}
    for route in routes:
        parser = dependency_of(route, _QueryParser)
        if parser is None or not route.include_in_schema:
            continue
        model = parser.model
        if model.documented_from_schema:
            parameters, referenced = _parameters_from_schema(model)
            into = written
        else:
            parameters, referenced = _parameters_as_declared(model)
            into = declared
            _body_as_fastapi_writes(schema["paths"][route.path_format])
        for name, definition in referenced.items():
            if {**components, **declared, **written}.setdefault(name, definition) != definition:
                raise RuntimeError(f"{model.__name__}: two schemas named {name} in the spec")
            into.setdefault(name, definition)
        for operation in operations_of(schema, route):
            # Where FastAPI puts them, so the spec reads the same as for any other endpoint.
            merged = [*operation.get("parameters", []), *copy.deepcopy(parameters)]
            place_after(operation, "parameters", merged, "security", "operationId")
    merged_components = {**components, **declared}
    ordered = {name: merged_components[name] for name in sorted(merged_components)}
    for name, definition in written.items():
        ordered.setdefault(name, definition)
    components.clear()
    components.update(ordered)


def _body_as_fastapi_writes(path_item: dict[str, Any]) -> None:
    """`required` before `content` in each request body of the path, as FastAPI writes them.

    A path whose operations declare no query parameters of their own comes out of FastAPI's final
    validation of the spec as its models (body keys in the model's order: `content` first), where a
    path with declared parameters stays as FastAPI wrote it; moving a list's parameters into a model
    must not reorder the bodies beside it.
    """
    for operation in path_item.values():
        body = operation.get("requestBody") if isinstance(operation, dict) else None
        if isinstance(body, dict) and "required" in body:
            ordered = {"required": body["required"], **{k: v for k, v in body.items() if k != "required"}}
            body.clear()
            body.update(ordered)


@cache
def _parameters_as_declared(model: type[QueryModel]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The parameters exactly as FastAPI writes them for an endpoint that declares the model's
    fields one by one (paging last, where the lists declared it before they had models): FastAPI
    itself writes them, for a stand-in endpoint with that signature in an app of its own."""
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
    schemas = spec.get("components", {}).get("schemas", {})
    # Only what the parameters reference (the stand-in's 422 response brings FastAPI's own).
    referenced = {name: schemas[name] for name in sorted(_refs_in(parameters, schemas))}
    return parameters, referenced


def _refs_in(node: Any, schemas: dict[str, Any], found: set[str] | None = None) -> set[str]:
    """The component names `node` references, and those they reference in turn."""
    found = set() if found is None else found
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in found and name in schemas:
                found.add(name)
                _refs_in(schemas[name], schemas, found)
        for value in node.values():
            _refs_in(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _refs_in(value, schemas, found)
    return found


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
