"""batch_jobs: each clip's job in a ``bwv batch detect`` run (queued, running, done, failed)

Revision ID: 0006_batch_jobs
Revises: 0005_audit_hmac
Create Date: 2026-12-06

A plain working table: on PostgreSQL ``bwv store grant-app-role`` gives the application's
role SELECT, INSERT, UPDATE and DELETE on it like the other working tables (run it again
after this upgrade).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_batch_jobs"
down_revision: Union[str, Sequence[str], None] = "0005_audit_hmac"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("clip_id", sa.Integer(), sa.ForeignKey("clips.id"), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("clip_path", sa.Text(), nullable=False),
        sa.Column("settings_key", sa.String(length=32), nullable=False),
        sa.Column("executor", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("tracks", sa.Integer(), nullable=True),
        sa.Column("project_path", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_batch_jobs_batch", "batch_jobs", ["batch"])
    op.create_index("ix_batch_jobs_clip_id", "batch_jobs", ["clip_id"])
    op.create_index("ix_batch_jobs_sha256", "batch_jobs", ["sha256"])
    op.create_index("ix_batch_jobs_status", "batch_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("batch_jobs")
