"""Store fixtures: every test runs against SQLite and (with BWV_TEST_PG_URL) PostgreSQL.

PostgreSQL isolation: each test gets its own schema (search_path in the URL), dropped
afterwards. `.ci/start-postgres.sh` starts a server and prints BWV_TEST_PG_URL.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import av
import numpy as np
import pytest
import sqlalchemy as sa

from redaction import access
from redaction.cli import main as bwv_main
from redaction.store import db

PG_URL = os.environ.get("BWV_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'bwv.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("BWV_TEST_PG_URL not set (run .ci/start-postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    db.forget_stores()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def store_env(db_url, tmp_path, monkeypatch):
    """Fresh folders and database; no user accounts yet (standalone mode)."""
    for name in ("DATA", "CONFIG", "CACHE"):
        monkeypatch.setenv(f"BWV_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.setenv("BWV_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("BWV_DATABASE_URL", db_url)
    monkeypatch.setenv("BWV_USER", "test.officer")
    for var in ("BWV_PASSWORD", "BWV_NEW_PASSWORD", "BWV_FAULT_INJECT"):
        monkeypatch.delenv(var, raising=False)
    # cheap argon2id parameters keep the suite fast (production uses the library defaults)
    from argon2 import PasswordHasher
    monkeypatch.setattr("redaction.store.users._hasher",
                        PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    db.forget_stores()
    access.logout()
    yield tmp_path
    access.logout()
    db.forget_stores()


@pytest.fixture
def store(store_env):
    return db.open_store()


_counter = [0]


def make_clip(path: Path, seed: int | None = None, frames: int = 4) -> Path:
    """A tiny real H.264 clip whose content depends on ``seed`` (so hashes differ)."""
    if seed is None:
        _counter[0] += 1
        seed = _counter[0] * 7919 + os.getpid()
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for _ in range(frames):
            img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture
def new_clip(tmp_path):
    n = [0]

    def make(name: str | None = None) -> Path:
        n[0] += 1
        src = tmp_path / "src"
        src.mkdir(exist_ok=True)
        return make_clip(src / (name or f"clip{n[0]}.mp4"))
    return make


@pytest.fixture
def bwv(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    def run(*args: str, stdin: str | None = None, monkeypatch=None):
        import io
        import sys
        old = sys.stdin
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        try:
            rc = bwv_main([str(a) for a in args])
        finally:
            sys.stdin = old
            access.logout()  # each command is a separate process in real use
        out, err = capsys.readouterr()
        return rc, out, err
    return run


PASSWORDS = {"admin": "admin-password-1", "rita": "reviewer-pass-1",
             "dora": "disclosure-pass-1", "sam": "supervisor-pass-1"}
ROLE_OF = {"admin": "administrator", "rita": "reviewer", "dora": "disclosure_officer",
           "sam": "supervisor"}


@pytest.fixture
def team(store):
    """An enforced store: admin + one user per role (see PASSWORDS)."""
    from redaction.store import users
    with store.session() as s:
        users.setup_admin(s, "admin", PASSWORDS["admin"])
        for name in ("rita", "dora", "sam"):
            users.add_user(s, name, ROLE_OF[name], PASSWORDS[name], "admin")
    return store


@pytest.fixture
def as_user(monkeypatch):
    """Act as a user: BWV_USER + BWV_PASSWORD, as a script would."""
    def use(name: str):
        monkeypatch.setenv("BWV_USER", name)
        monkeypatch.setenv("BWV_PASSWORD", PASSWORDS[name])
        access.logout()
    return use


@pytest.fixture
def passwords():
    return dict(PASSWORDS)
