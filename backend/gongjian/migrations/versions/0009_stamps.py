"""stamps: who did it, in one form everywhere

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 10:00:00

Rows recorded who acted on them in four forms: a principal key only, a display name only, three
columns (name, actor type, actor id), and a foreign key to `users`. From here on every stamp is
two columns, as `gongjian.kit.principal.stamp` writes them:

- `<act>_by`      String(64)  the principal's key: `user:7`, `api_key:3`, `system:0`;
- `<act>_by_name` String(100) the display name people read.

Both are nullable exactly where the act may not have happened yet (answered, scored, attendance
marked by hand); then both are null together.

Existing data is moved, not lost:

- key only: the name is looked up from the key, as it is today (a user's display name, an API
  key's name, 系统 for the system; '' when the key names no account, e.g. the '' that
  `created_by` defaulted to). The name at the time of the act was never stored, so today's is the
  best there is.
- name only: the name moves to `<act>_by_name`. The key is taken from the audit trail where one
  create event names the actor unambiguously (claims, webhook subscriptions, WeChat invitations);
  otherwise (evaluation scores, attendance marked by hand) and where no such event exists, it is
  the empty string ''. Empty, not null: null keeps meaning "not done", and '' says "done, by
  someone whose key was not recorded" (it never equals a principal's key, so no rule matches it).
- name + type + id (card entries, community records): the key is `{type}:{id}`; the system,
  stored without an id, becomes `system:0` (the key `Principal.key` gives it).
- `api_keys.created_by_id` (a user id): the key `user:{id}` and that user's display name; a key
  with no creator recorded gets '' for both.

Concern steps kept key + name under other names (`actor`, `actor_name`); they are renamed to
`changed_by` and `changed_by_name`.

On SQLite the tables are rebuilt by copy-and-move (`batch_alter_table`); `env.py` turns foreign
key enforcement off while migrating so that rebuilding a table other tables point at keeps
their rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.String(length=64)
NAME = sa.String(length=100)
# The system principal's display name (`gongjian.kit.principal.SYSTEM`), copied here because a
# revision must not change when the code does.
SYSTEM_NAME = "系统"

# Stamps that had a key only: (table, act, optional).
KEY_ONLY = (
    ("activities", "created", False),
    ("activity_signups", "signed_up", False),
    ("meetings", "created", False),
    ("honors", "created", False),
    ("concerns", "reported", False),
    ("volunteer_correction_requests", "requested", False),
    ("volunteer_correction_requests", "answered", True),
    ("volunteer_certificates", "issued", False),
)
# Tables whose `created_by` had a server default of '' (every write now stamps it).
CREATED_DEFAULT_EMPTY = ("activities", "meetings", "honors")
# Stamps that had a name only, in `<act>_by`, whose key the audit trail gives: (table, act, entity).
NAME_ONLY_AUDITED = (("claims", "claimed", "claim"),)
# As above, but the name was already in `<act>_by_name`.
NAME_ONLY_AUDITED_NAMED = (
    ("webhook_subscriptions", "created", "webhook_subscription"),
    ("wechat_invitations", "created", "wechat_invitation"),
)
# Stamps that had a name only and may be unset: (table, act, width of the old column).
NAME_ONLY_OPTIONAL = (
    ("evaluations", "community_scored", 100),
    ("evaluations", "unit_scored", 100),
    ("activity_signups", "attendance_marked", 64),
)
TYPE_AND_ID = ("card_entries", "community_records")


def _name_of(key: str) -> str:
    """SQL for the display name the principal key in column `key` names today ('' if none)."""
    return (
        "COALESCE(CASE"
        f" WHEN SUBSTR({key}, 1, 5) = 'user:'"
        f" THEN (SELECT u.display_name FROM users u WHERE u.id = CAST(SUBSTR({key}, 6) AS INTEGER))"
        f" WHEN SUBSTR({key}, 1, 8) = 'api_key:'"
        f" THEN (SELECT k.name FROM api_keys k WHERE k.id = CAST(SUBSTR({key}, 9) AS INTEGER))"
        f" WHEN SUBSTR({key}, 1, 7) = 'system:' THEN '{SYSTEM_NAME}'"
        " END, '')"
    )


def _key_from_audit(table: str, entity: str) -> str:
    """SQL for the key of whoever created the row, from its audit event ('' if there is none)."""
    return (
        "COALESCE((SELECT a.actor_type || ':' || CAST(COALESCE(a.actor_id, 0) AS VARCHAR(20))"
        " FROM audit_events a"
        f" WHERE a.entity = '{entity}' AND a.action = 'create'"
        f" AND a.entity_id = CAST({table}.id AS VARCHAR(20))"
        " ORDER BY a.id LIMIT 1), '')"
    )


def _key_of(type_column: str, id_column: str) -> str:
    """SQL for the key `{type}:{id}` from an actor type and id (no id: 0, as for the system)."""
    return f"{type_column} || ':' || CAST(COALESCE({id_column}, 0) AS VARCHAR(20))"


def _id_in(key: str) -> str:
    """SQL for the number after the colon of a `user:` or `api_key:` key; null for the system."""
    return (
        f"CASE WHEN SUBSTR({key}, 1, 5) = 'user:' THEN CAST(SUBSTR({key}, 6) AS INTEGER)"
        f" WHEN SUBSTR({key}, 1, 8) = 'api_key:' THEN CAST(SUBSTR({key}, 9) AS INTEGER) END"
    )


def upgrade() -> None:
    # Key only: add the name, looked up from the key.
    for table, act, optional in KEY_ONLY:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{act}_by_name", NAME, nullable=True))
        op.execute(f"UPDATE {table} SET {act}_by_name = {_name_of(f'{table}.{act}_by')} WHERE {act}_by IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            if not optional:
                batch.alter_column(f"{act}_by_name", existing_type=NAME, nullable=False)
            if act == "created" and table in CREATED_DEFAULT_EMPTY:
                batch.alter_column("created_by", existing_type=KEY, existing_nullable=False, server_default=None)

    # Name only, kept in `<act>_by`: the name moves to `<act>_by_name`, the key comes from the audit trail.
    for table, act, entity in NAME_ONLY_AUDITED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{act}_by_name", NAME, nullable=True))
        op.execute(f"UPDATE {table} SET {act}_by_name = {act}_by, {act}_by = {_key_from_audit(table, entity)}")
        with op.batch_alter_table(table) as batch:
            batch.alter_column(f"{act}_by_name", existing_type=NAME, nullable=False)
            batch.alter_column(f"{act}_by", existing_type=NAME, type_=KEY, existing_nullable=False, server_default=None)

    # Name only, already in `<act>_by_name`: add the key, from the audit trail.
    for table, act, entity in NAME_ONLY_AUDITED_NAMED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{act}_by", KEY, nullable=True))
        op.execute(f"UPDATE {table} SET {act}_by = {_key_from_audit(table, entity)}")
        with op.batch_alter_table(table) as batch:
            batch.alter_column(f"{act}_by", existing_type=KEY, nullable=False)

    # Name only and optional: the name moves to `<act>_by_name`; the key is '' (not recorded anywhere
    # reliable: scores and attendance are updates, and an update's audit event names no stamp).
    for table, act, width in NAME_ONLY_OPTIONAL:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{act}_by_name", NAME, nullable=True))
        op.execute(
            f"UPDATE {table} SET {act}_by_name = {act}_by, {act}_by = CASE WHEN {act}_by IS NOT NULL THEN '' END"
        )
        if width != 64:
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    f"{act}_by", existing_type=sa.String(length=width), type_=KEY, existing_nullable=True
                )

    # Name + type + id: the key from type and id.
    for table in TYPE_AND_ID:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("recorded_by", KEY, nullable=True))
        op.execute(f"UPDATE {table} SET recorded_by = {_key_of('recorded_by_type', 'recorded_by_id')}")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("recorded_by", existing_type=KEY, nullable=False)
            batch.drop_column("recorded_by_type")
            batch.drop_column("recorded_by_id")

    # A foreign key to the creating user: its key and display name.
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("created_by", KEY, nullable=True))
        batch.add_column(sa.Column("created_by_name", NAME, nullable=True))
    op.execute(
        "UPDATE api_keys SET"
        " created_by = CASE WHEN created_by_id IS NOT NULL"
        " THEN 'user:' || CAST(created_by_id AS VARCHAR(20)) ELSE '' END,"
        " created_by_name = COALESCE((SELECT u.display_name FROM users u WHERE u.id = api_keys.created_by_id), '')"
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("created_by", existing_type=KEY, nullable=False)
        batch.alter_column("created_by_name", existing_type=NAME, nullable=False)
        batch.drop_constraint("fk_api_keys_created_by_id_users", type_="foreignkey")
        batch.drop_column("created_by_id")

    # Key + name under other names.
    with op.batch_alter_table("concern_steps") as batch:
        batch.alter_column("actor", new_column_name="changed_by", existing_type=KEY, existing_nullable=False)
        batch.alter_column("actor_name", new_column_name="changed_by_name", existing_type=NAME, existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("concern_steps") as batch:
        batch.alter_column("changed_by", new_column_name="actor", existing_type=KEY, existing_nullable=False)
        batch.alter_column("changed_by_name", new_column_name="actor_name", existing_type=NAME, existing_nullable=False)

    # Only user keys become a user id again (keys are made by people signed in, never by a key).
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE api_keys SET created_by_id = CASE WHEN SUBSTR(created_by, 1, 5) = 'user:'"
        " THEN CAST(SUBSTR(created_by, 6) AS INTEGER) END"
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.create_foreign_key("fk_api_keys_created_by_id_users", "users", ["created_by_id"], ["id"])
        batch.drop_column("created_by_name")
        batch.drop_column("created_by")

    for table in TYPE_AND_ID:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("recorded_by_type", sa.String(length=16), nullable=True))
            batch.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE {table} SET"
            " recorded_by_type = CASE WHEN SUBSTR(recorded_by, 1, 5) = 'user:' THEN 'user'"
            " WHEN SUBSTR(recorded_by, 1, 8) = 'api_key:' THEN 'api_key' ELSE 'system' END,"
            f" recorded_by_id = {_id_in('recorded_by')}"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("recorded_by_type", existing_type=sa.String(length=16), nullable=False)
            batch.drop_column("recorded_by")

    for table, act, width in NAME_ONLY_OPTIONAL:
        if width != 64:
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    f"{act}_by", existing_type=KEY, type_=sa.String(length=width), existing_nullable=True
                )
        op.execute(f"UPDATE {table} SET {act}_by = SUBSTR({act}_by_name, 1, {width})")
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{act}_by_name")

    for table, act, _entity in NAME_ONLY_AUDITED_NAMED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{act}_by")

    for table, act, _entity in NAME_ONLY_AUDITED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(f"{act}_by", existing_type=KEY, type_=NAME, existing_nullable=False, server_default="")
        op.execute(f"UPDATE {table} SET {act}_by = {act}_by_name")
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{act}_by_name")

    for table, act, _optional in reversed(KEY_ONLY):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{act}_by_name")
            if act == "created" and table in CREATED_DEFAULT_EMPTY:
                batch.alter_column("created_by", existing_type=KEY, existing_nullable=False, server_default="")
