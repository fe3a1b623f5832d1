"""Reference data loaded by `gongjian load-reference`. Every loader is idempotent: it updates what
exists and adds what is missing, keyed by a stable code, never duplicating.

The foundation has no reference tables yet; domains register their loaders in LOADERS.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gongjian.db import unit_of_work

# name → loader returning how many rows it added or changed
LOADERS: dict[str, Callable[[Session], int]] = {}


def load_all() -> dict[str, int]:
    counts: dict[str, int] = {}
    with unit_of_work() as session:
        for name, loader in LOADERS.items():
            counts[name] = loader(session)
    return counts


from gongjian.claims.reference import load_service_list  # noqa: E402

LOADERS["service_list"] = load_service_list

from gongjian.evaluation.reference import load_evaluation_schemes  # noqa: E402

LOADERS["evaluation_schemes"] = load_evaluation_schemes
