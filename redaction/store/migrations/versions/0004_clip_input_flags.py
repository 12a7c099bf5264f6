"""clips: where the capture time came from, guessed capture times, accepted truncation

Revision ID: 0004_clip_input
Revises: 0003
Create Date: 2026-12-01

Clips imported before this revision whose audit row says the capture time came from the
file's modification time are marked ``capture_guessed`` (retention then holds them until
a supervisor confirms or corrects the time).
"""
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_clip_input"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FROM_AUDIT = {"given": "given", "container creation_time": "container",
              "file modification time": "file_mtime"}


def upgrade() -> None:
    with op.batch_alter_table("clips") as b:
        b.add_column(sa.Column("captured_from", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("capture_guessed", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
        b.add_column(sa.Column("truncated", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT details FROM audit WHERE action = 'clip.import'"))
    for (details,) in rows.fetchall():
        try:
            d = json.loads(details)
            source = FROM_AUDIT.get(d.get("captured_from"))
            clip = int(d["clip"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if source is None:
            continue
        bind.execute(sa.text("UPDATE clips SET captured_from = :f, capture_guessed = :g "
                             "WHERE id = :id"),
                     {"f": source, "g": source == "file_mtime", "id": clip})


def downgrade() -> None:
    with op.batch_alter_table("clips") as b:
        b.drop_column("truncated")
        b.drop_column("capture_guessed")
        b.drop_column("captured_from")
