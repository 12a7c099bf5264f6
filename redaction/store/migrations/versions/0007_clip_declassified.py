"""clips.declassified_at: when an evidential clip was last declassified

Revision ID: 0007_clip_declassified
Revises: 0006_batch_jobs
Create Date: 2026-12-07

The non-evidential retention clock of a clip that was evidential runs from the time it was
declassified, not from its capture (a clip kept for years as evidence is not erased the day
it is declassified). Clips declassified before this revision get the time from their audit
rows (``clip.classify`` with ``old`` evidential and ``new`` anything else).
"""
import datetime as dt
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_clip_declassified"
down_revision: Union[str, Sequence[str], None] = "0006_batch_jobs"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases (SQLite >= 3.35 drops a column in place: a
    # batch copy of ``clips`` would trip the foreign keys of the tables that refer to it)
    op.add_column("clips", sa.Column("declassified_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT ts, details FROM audit WHERE action = 'clip.classify' "
                                "ORDER BY seq"))
    last: dict[int, dt.datetime] = {}
    for ts, details in rows.fetchall():
        try:
            d = json.loads(details)
            clip = int(d["clip"])
            if d.get("old") != "evidential" or d.get("new") == "evidential":
                continue
            t = dt.datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if t.tzinfo is not None:
            t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
        last[clip] = t
    for clip, t in last.items():
        # bound as the column's type: stored as the ORM stores it (SQLite: text with
        # microseconds, so that it compares equal to the same time bound later)
        bind.execute(sa.text("UPDATE clips SET declassified_at = :t WHERE id = :id "
                             "AND classification <> 'evidential'")
                     .bindparams(sa.bindparam("t", type_=sa.DateTime())),
                     {"t": t, "id": clip})


def downgrade() -> None:
    op.drop_column("clips", "declassified_at")
