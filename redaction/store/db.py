"""Database URL, engine set-up (SQLite WAL or PostgreSQL) and programmatic migrations.

The default is a SQLite file ``bwv.sqlite3`` in :func:`redaction.paths.data_dir`;
``BWV_DATABASE_URL`` (e.g. ``postgresql+psycopg://user:pw@host/db``) points every
workstation at one shared server instead. Evidence files live in
``BWV_EVIDENCE_DIR`` (default ``data_dir()/evidence``); on a shared server every
workstation must see the same folder (a network share).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .. import paths
from ..fsutil import private_dir
from .errors import Conflict, StoreError, StoreUnavailable

DB_FILENAME = "bwv.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _machine_policy():
    """The machine policy if an administrator installed one, else None."""
    from ..policy import load_policy
    pol = load_policy()
    return pol if pol.machine else None


def store_dir() -> Path:
    """The local store's folder (SQLite file, store-held files, default evidence folder).

    With a machine policy: its ``store_dir``, else the platform's per-user data folder;
    ``BWV_DATA_DIR`` is ignored for the store (it may not step around the roles by
    pointing at an empty folder). Without one: :func:`redaction.paths.data_dir`.
    """
    pol = _machine_policy()
    if pol is None:
        return paths.data_dir()
    from ..policy import warn_ignored
    warn_ignored("BWV_DATA_DIR", "where the case store is")
    p = Path(pol.get("store_dir") or paths.default_data_dir())
    private_dir(p)  # created 0700
    return p


def database_url() -> str:
    """The machine policy's ``database_url`` (or SQLite in :func:`store_dir`) when a machine
    policy exists (``$BWV_DATABASE_URL`` is then ignored); else ``$BWV_DATABASE_URL``, else
    a development policy's ``database_url``, else local SQLite."""
    from ..policy import effective, warn_ignored
    if _machine_policy() is not None:
        warn_ignored("BWV_DATABASE_URL", "which case database is used")
        url = effective("database_url", None)
    else:
        url = os.environ.get("BWV_DATABASE_URL") or effective("database_url", None)
    if url:
        # psycopg 3 is the driver we ship; accept the plain libpq-style scheme too
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url
    return f"sqlite:///{store_dir() / DB_FILENAME}"


def evidence_dir() -> Path:
    pol = _machine_policy()
    if pol is not None:
        from ..policy import warn_ignored
        warn_ignored("BWV_EVIDENCE_DIR", "where the evidence is")
        p = Path(pol.get("evidence_dir") or store_dir() / "evidence")
    else:
        p = Path(os.environ.get("BWV_EVIDENCE_DIR") or paths.data_dir() / "evidence")
    private_dir(p)  # created 0700
    return p


def store_files_dir() -> Path:
    """Where projects/exports/thumbnails held by the store live (purged by retention)."""
    p = store_dir() / "store-files"
    private_dir(p)  # created 0700
    return p


def url_exists(url: str) -> bool:
    """False for a SQLite file that was never created (the store was never used)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return True
    db = u.database
    return bool(db) and db != ":memory:" and Path(db).exists()


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            private_dir(Path(u.database).parent)  # created 0700
        engine = create_engine(u, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # take the write lock up front: no lost updates, no upgrade deadlocks
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    if u.get_backend_name() == "postgresql":
        if _machine_policy() is not None:
            _drop_libpq_routing()
        return create_engine(u, pool_pre_ping=True, isolation_level="READ COMMITTED")
    raise StoreError(f"unsupported database {u.get_backend_name()!r} (use SQLite or PostgreSQL)")


# libpq takes what a URL leaves out (host, port, database, user, options such as a
# search_path, a service file, TLS settings) from these variables: under a machine policy
# they would move the workstation to another server, database or schema, or weaken its TLS.
# Credentials (PGPASSWORD, PGPASSFILE, client certificates) only authenticate, and stay.
LIBPQ_ROUTING = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGOPTIONS",
                 "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGSSLMODE", "PGREQUIRESSL",
                 "PGSSLROOTCERT", "PGSSLCRL", "PGSSLCRLDIR", "PGGSSENCMODE",
                 "PGTARGETSESSIONATTRS", "PGCHANNELBINDING", "PGREQUIREAUTH",
                 "PGSSLMINPROTOCOLVERSION", "PGSSLNEGOTIATION")


def _drop_libpq_routing() -> None:
    """Under a machine policy its ``database_url`` alone says where the store is."""
    from ..policy import warn_ignored
    for var in LIBPQ_ROUTING:
        if var in os.environ:
            warn_ignored(var, "how the case database is reached")
            os.environ.pop(var, None)


def alembic_config(connection=None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema (one workstation at a time: an advisory lock on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises)."""
    from alembic import command
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242007)")
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(rev: str) -> bool:
    """Is ``rev`` one of this build's migrations (not one a newer build added)?"""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(rev) is not None
    except CommandError:
        return False


class Store:
    """One database plus its evidence folder. Use :meth:`session` for a transaction."""

    def __init__(self, url: str | None = None, *, migrate_schema: bool = True):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        try:
            rev = current_revision(self.engine)
            if rev is not None and not known_revision(rev):
                raise StoreError(f"the database's schema is at revision {rev}, newer than this "
                                 f"build knows (its newest is {head_revision()}): a newer "
                                 "version of the program upgraded it; update this "
                                 "workstation's program", self.where)
            if migrate_schema and rev != head_revision():
                migrate(self.engine)
        except OperationalError as e:
            raise StoreUnavailable(f"cannot open the database: {_short(e, self.where)}",
                             make_url(self.url).render_as_string(hide_password=True)) from e
        except (ProgrammingError, DBAPIError) as e:
            if not isinstance(e, ProgrammingError):   # a damaged database file, a dropped link
                raise StoreUnavailable(f"cannot read the database: {_short(e, self.where)}",
                                       self.where) from e
            # e.g. the application's role may not change the schema
            raise StoreError(f"the database needs an upgrade that this account may not make "
                             f"({_short(e)}): the database's owner runs `bwv store "
                             "grant-app-role ROLE --url OWNER_URL`",
                             make_url(self.url).render_as_string(hide_password=True)) from e
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def where(self) -> str:
        """The database as a user can find it: the SQLite file, or the URL without password."""
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite" and u.database:
            return u.database
        return u.render_as_string(hide_password=True)

    @property
    def evidence_dir(self) -> Path:
        return evidence_dir()

    @contextlib.contextmanager
    def session(self):
        """A transaction: committed on success, rolled back on error.

        A concurrent change to the same record (optimistic version check) or a
        unique-key clash becomes :class:`Conflict`.
        """
        s: Session = self._sessions()
        try:
            yield s
            s.commit()
        except StaleDataError as e:
            s.rollback()
            raise Conflict("the record was changed by someone else; reload and try again") from e
        except SAIntegrityError as e:
            s.rollback()
            raise Conflict(f"conflicting record: {_short(e)}") from e
        except DBAPIError as e:   # damaged file, lost connection: one line naming the database
            s.rollback()
            raise StoreUnavailable(f"database error: {_short(e, self.where)}",
                                   self.where) from e
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def has_table(self, name: str) -> bool:
        return inspect(self.engine).has_table(name)

    def dispose(self) -> None:
        self.engine.dispose()


def _short(e: Exception, where: str | None = None) -> str:
    """The database's error in one line; "disk full" where SQLite or the server says so, or
    where SQLite reports an I/O error on a database whose disk has no room left (growing its
    WAL index on a full disk is SQLITE_IOERR_SHMSIZE, "disk I/O error")."""
    orig = getattr(e, "orig", None) or e
    msg = str(orig).strip()
    msg = msg.splitlines()[0] if msg else type(e).__name__
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    if name == "SQLITE_FULL" or "No space left on device" in msg:
        return "disk full" if msg == "database or disk is full" else f"disk full ({msg})"
    if name.startswith("SQLITE_IOERR") and where and _no_room(where):
        return f"disk full ({msg})"
    return msg


def _no_room(database: str) -> bool:
    import shutil
    try:
        return shutil.disk_usage(Path(database).parent).free < 256 * 1024
    except OSError:
        return False


_cache: dict[str, Store] = {}


def open_store(url: str | None = None) -> Store:
    """The store for ``url`` (default: :func:`database_url`), created and migrated if needed."""
    url = url or database_url()
    st = _cache.get(url)
    if st is None:
        st = _cache[url] = Store(url)
    return st


def existing_store(url: str | None = None) -> Store | None:
    """The store if it was ever created, else None (standalone mode); never creates one."""
    url = url or database_url()
    if not url_exists(url):
        if url in _cache:    # opened in this process, then removed: not "no store" (fail closed)
            raise StoreUnavailable("the database file has gone (moved or deleted while in use)",
                                   make_url(url).database)
        return None
    return open_store(url)


def forget_stores() -> None:
    """Dispose cached engines (tests, or after BWV_DATABASE_URL changes)."""
    for st in _cache.values():
        st.dispose()
    _cache.clear()
