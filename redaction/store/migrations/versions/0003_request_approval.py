"""four-eyes approval of a request's disclosure

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as b:
        b.add_column(sa.Column("approved_by", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("approved_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as b:
        b.drop_column("approved_at")
        b.drop_column("approved_by")
