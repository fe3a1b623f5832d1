"""Helpers for writing into the spec what FastAPI can't see in a route's signature.

Authentication (`auth.dependencies.caller`) and query models (`kit.query.query_of`) are plain
dependencies whose callables carry what the spec must say; these find them on a route and put the
result where FastAPI would have, so the document reads the same either way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.routing import RouteContext

T = TypeVar("T")


def dependency_of(route: RouteContext, kind: type[T]) -> T | None:
    """The first dependency callable of type `kind` anywhere in the route's dependency tree."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, kind):
            return dependant.call
        pending.extend(dependant.dependencies)
    return None


def operations_of(schema: dict[str, Any], route: RouteContext) -> list[dict[str, Any]]:
    """The route's operation objects in the spec, one per HTTP method."""
    return [schema["paths"][route.path_format][method.lower()] for method in route.methods or ()]


def place_after(operation: dict[str, Any], key: str, value: Any, *anchors: str) -> None:
    """Set `operation[key]` right after the first of `anchors` present (FastAPI's key order)."""
    items = [(k, v) for k, v in operation.items() if k != key]
    present = next((anchor for anchor in anchors if anchor in operation), None)
    at = next((i + 1 for i, (k, _) in enumerate(items) if k == present), len(items))
    items.insert(at, (key, value))
    operation.clear()
    operation.update(items)


def document_links(schema: dict[str, Any]) -> None:
    """OpenAPI links from each create (a POST answering 201 with the new row's `id`) to the
    operations on that row (`/x` → `/x/{x_id}…`), carrying the create's own path parameters along:
    what a client, and schemathesis' stateful phase, follows from a new row to its uses."""
    paths = schema["paths"]
    for collection, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        carried = {f"path.{name}": f"$request.path.{name}" for name in _path_params(collection)}
        links = {}
        for path, operations in paths.items():
            if not path.startswith(collection + "/{"):
                continue
            row_param = path[len(collection) + 2 :].split("}", 1)[0]
            for operation in operations.values():
                parameters = {**carried, f"path.{row_param}": "$response.body#/id"}
                links[operation["operationId"]] = {"operationId": operation["operationId"], "parameters": parameters}
        if links:
            created["links"] = links


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
