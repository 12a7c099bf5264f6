"""audit rows under HMAC (row version + mac); the database advances the chain head

Revision ID: 0005_audit_hmac
Revises: 0004_clip_input
Create Date: 2026-12-01

* ``audit.v`` (hash rule; NULL for the rows written before, which keep the old rule) and
  ``audit.mac`` (HMAC-SHA256 under the audit key file; NULL when written without it).
* ``audit_head`` is advanced by a trigger on INSERT into ``audit``, which first refuses a
  row that does not follow the head. On PostgreSQL the trigger's function is SECURITY
  DEFINER (it runs as the owner), so the application's role needs no right to write
  ``audit_head`` at all (see ``redaction/store/roles.py``). The head row is created here.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_audit_hmac"
down_revision: Union[str, Sequence[str], None] = "0004_clip_input"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENESIS = "0" * 64
MESSAGE = "audit row does not follow the chain head"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("audit", sa.Column("v", sa.Integer(), nullable=True))
    op.add_column("audit", sa.Column("mac", sa.String(length=64), nullable=True))
    # the head row exists from now on (the application's role cannot create it)
    last = bind.execute(sa.text("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")).first()
    if bind.execute(sa.text("SELECT 1 FROM audit_head WHERE id = 1")).first() is None:
        bind.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :s, :h)"),
                     {"s": last.seq if last else 0, "h": last.hash if last else GENESIS})
    if bind.dialect.name == "sqlite":
        op.execute(f"""CREATE TRIGGER audit_follow_head BEFORE INSERT ON audit
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}')
            WHERE NEW.seq IS NOT COALESCE((SELECT seq FROM audit_head WHERE id = 1), 0) + 1
               OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_head WHERE id = 1),
                                                '{GENESIS}'); END""")
        op.execute("""CREATE TRIGGER audit_advance_head AFTER INSERT ON audit
            BEGIN INSERT OR REPLACE INTO audit_head (id, seq, hash)
                  VALUES (1, NEW.seq, NEW.hash); END""")
        return
    schema = _quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    op.execute(f"""CREATE FUNCTION audit_advance_head() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
        DECLARE h_seq integer; h_hash varchar;
        BEGIN
            SELECT seq, hash INTO h_seq, h_hash FROM {schema}.audit_head WHERE id = 1 FOR UPDATE;
            IF NOT FOUND THEN
                h_seq := 0; h_hash := '{GENESIS}';
                INSERT INTO {schema}.audit_head (id, seq, hash) VALUES (1, 0, h_hash);
            END IF;
            IF NEW.seq IS DISTINCT FROM h_seq + 1 OR NEW.prev_hash IS DISTINCT FROM h_hash THEN
                RAISE EXCEPTION '{MESSAGE} (row %, head %)', NEW.seq, h_seq;
            END IF;
            UPDATE {schema}.audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
            RETURN NEW;
        END; $$""")
    op.execute("REVOKE ALL ON FUNCTION audit_advance_head() FROM PUBLIC")
    op.execute("CREATE TRIGGER audit_advance_head BEFORE INSERT ON audit "
               "FOR EACH ROW EXECUTE FUNCTION audit_advance_head()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_advance_head")
        op.execute("DROP TRIGGER audit_follow_head")
    else:
        op.execute("DROP TRIGGER audit_advance_head ON audit")
        op.execute("DROP FUNCTION audit_advance_head()")
    op.drop_column("audit", "mac")
    op.drop_column("audit", "v")
