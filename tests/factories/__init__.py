"""What the tests build on. Each factory adds rows through the service layer (the same rules as the
API) or calls the API, and returns plain values (ids, headers, response bodies); there are no shared
mutable fixtures.

The helpers every domain uses are importable from here; the ones a few domains share live in their
module (`factories.claims`, `factories.evaluation`, `factories.governance`, `factories.volunteering`,
`factories.members` for its world of organisations), next to the servers tests talk to over a socket
(`factories.live_server`, `factories.wechat`, `factories.integration`).
"""

from factories.members import link_user, make_member
from factories.orgs import make_org, make_partnership
from factories.problems import assert_problem, ok
from factories.users import PASSWORD, api_key_headers, headers_for, login, make_user, username_of

__all__ = [
    "PASSWORD",
    "api_key_headers",
    "assert_problem",
    "headers_for",
    "link_user",
    "login",
    "make_member",
    "make_org",
    "make_partnership",
    "make_user",
    "ok",
    "username_of",
]
