"""`bwv store`: database administration run as the owner role (PostgreSQL).

``bwv store grant-app-role ROLE --url OWNER_URL`` upgrades the schema as the owner and
grants the application's role what it needs, and no more: it may append to and read the
audit trail but not change it (see redaction/store/roles.py and ADR 0007).
"""
from __future__ import annotations

import sys

from ..errors import BwvError
from ..store import audit
from ..store.auditkey import AuditKeyError
from ..store.db import Store, database_url, head_revision
from .storeutil import claimed_user


def register(sub) -> None:
    p = sub.add_parser("store", help="database administration (as the database's owner role)")
    a = p.add_subparsers(dest="store_cmd", metavar="ACTION", required=True)

    def url_opt(q):
        q.add_argument("--url", help="connect as the owner role with this URL (default: the "
                                     "configured database; the owner's password is the gate)")

    q = a.add_parser("migrate", help="upgrade the schema (run as the owner role)")
    url_opt(q)
    q.set_defaults(func=_migrate)
    q = a.add_parser("grant-app-role",
                     help="PostgreSQL: upgrade the schema, then let ROLE read and write the "
                          "store but only append to the audit trail (run as the owner role, "
                          "after every upgrade)")
    q.add_argument("role", help="the role workstations connect as (e.g. bwv_app)")
    q.add_argument("--schema", help="schema (default: the owner connection's current schema)")
    q.add_argument("--print-sql", action="store_true",
                   help="print the statements instead of running them (nothing is changed)")
    url_opt(q)
    q.set_defaults(func=_grant)


def _url(args) -> str:
    url = args.url or database_url()
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain):]
    return url


def _migrate(args) -> int:
    st = Store(_url(args))
    try:
        print(f"schema at revision {head_revision()}")
    finally:
        st.dispose()
    return 0


def _grant(args) -> int:
    from ..store import roles
    url = _url(args)
    if args.print_sql:
        from ..store.db import make_engine
        eng = make_engine(url)
        try:
            with eng.connect() as c:
                if c.dialect.name != "postgresql":
                    raise BwvError("database roles exist only on PostgreSQL")
                schema = args.schema or c.exec_driver_sql("SELECT current_schema()").scalar_one()
                for stmt in roles.grant_sql(args.role, schema, roles._tables(c, schema)):
                    print(stmt + ";")
        finally:
            eng.dispose()
        return 0
    st = Store(url)  # upgrades the schema first, as the owner
    try:
        if st.is_sqlite:
            raise BwvError("database roles exist only on PostgreSQL (a SQLite store is one "
                           "file: protect it with file permissions, and the audit key)")
        with st.session() as s:
            stmts = roles.grant_app_role(s.connection(), args.role, schema=args.schema)
        try:
            with st.session() as s:
                audit.append(s, claimed_user(args) or "owner", "administration",
                             "store.grant_app_role", {"role": args.role, "schema": args.schema,
                                                      "statements": len(stmts)})
        except AuditKeyError as e:  # the owner's machine need not hold the audit key
            print(f"bwv: note: not recorded in the audit trail ({e}); PostgreSQL's own log "
                  "records the grants", file=sys.stderr)
    finally:
        st.dispose()
    print(f"role {args.role}: may read and write the store, append to and read the audit trail; "
          "may not change or delete audit rows, alter tables or drop triggers")
    return 0
