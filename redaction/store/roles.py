"""PostgreSQL: the application's role may append to the audit trail, never rewrite it.

Two roles (ADR 0007, "Audit trail and insiders"):

* the **owner** (e.g. ``bwv_owner``) owns the database's schema: it runs the migrations
  and owns the tables, so only it can ALTER the audit table or DROP/DISABLE its triggers.
  Its password is held by the database administrator, not by workstations.
* the **application role** (e.g. ``bwv_app``) is what workstations connect as
  (``database_url`` in the machine policy). :func:`grant_app_role` gives it SELECT,
  INSERT, UPDATE and DELETE on the working tables, but only SELECT and INSERT on
  ``audit`` and only SELECT on ``audit_head`` and ``alembic_version``: the head is moved
  by the owner's SECURITY DEFINER trigger (migration 0005), which refuses a row that does
  not follow it. UPDATE and DELETE on ``audit`` are refused twice over (no privilege, and
  the append-only trigger).

Run as the owner after every upgrade (new tables need their grants):
``bwv store grant-app-role bwv_app --url postgresql+psycopg://bwv_owner@host/bwv``,
or print the SQL with ``--print-sql`` for the administrator to review and run.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import StoreError

AUDIT_APPEND_ONLY = ("audit",)           # SELECT, INSERT
READ_ONLY = ("audit_head", "alembic_version")  # SELECT
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


def _ident(name: str) -> str:
    if not _NAME.match(name or ""):
        raise StoreError(f"not a plain PostgreSQL role or schema name: {name!r}")
    return '"' + name + '"'


def grant_sql(app_role: str, schema: str, tables: list[str]) -> list[str]:
    """The statements :func:`grant_app_role` runs (owner of ``schema`` runs them)."""
    r, sc = _ident(app_role), _ident(schema)
    out = [f"REVOKE CREATE ON SCHEMA {sc} FROM PUBLIC",
           f"GRANT USAGE ON SCHEMA {sc} TO {r}",
           f"REVOKE ALL ON ALL TABLES IN SCHEMA {sc} FROM {r}",
           f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sc} FROM {r}"]
    for t in sorted(tables):
        q = f"{sc}.{_ident(t)}"
        if t in AUDIT_APPEND_ONLY:
            out.append(f"GRANT SELECT, INSERT ON {q} TO {r}")
        elif t in READ_ONLY:
            out.append(f"GRANT SELECT ON {q} TO {r}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q} TO {r}")
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sc} TO {r}")
    return out


def _tables(conn: Connection, schema: str) -> list[str]:
    return [row[0] for row in conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema})]


def check_app_role(conn: Connection, app_role: str) -> None:
    """Refuse a role that could rewrite the trail anyway (superuser, owner, owner's member)."""
    row = conn.execute(sa.text(
        "SELECT rolsuper, rolbypassrls, pg_has_role(rolname, current_user, 'MEMBER') AS member "
        "FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first()
    if row is None:
        raise StoreError(f"PostgreSQL role {app_role!r} does not exist (CREATE ROLE {app_role} "
                         "LOGIN PASSWORD '...' first)")
    if row.rolsuper or row.rolbypassrls:
        raise StoreError(f"role {app_role!r} is a superuser or bypasses row security: the "
                         "application must connect as a plain role")
    if row.member:
        raise StoreError(f"role {app_role!r} is the owner or a member of the owner role "
                         f"{conn.execute(sa.text('SELECT current_user')).scalar_one()!r}: "
                         "it could drop the audit trail's triggers")


def grant_app_role(conn: Connection, app_role: str, *, schema: str | None = None) -> list[str]:
    """Grant ``app_role`` what the application needs in ``schema`` (default: the current
    schema), run as the owner. Returns the statements run."""
    if conn.dialect.name != "postgresql":
        raise StoreError("database roles exist only on PostgreSQL (a SQLite store is one file: "
                         "protect it with the file system, and the audit key)")
    schema = schema or conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    check_app_role(conn, app_role)
    stmts = grant_sql(app_role, schema, _tables(conn, schema))
    for st in stmts:
        conn.exec_driver_sql(st)
    return stmts
