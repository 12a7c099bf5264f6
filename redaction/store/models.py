"""SQLAlchemy 2 models of the evidence store (schema changes go through migrations/)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table,
                        Text, TypeDecorator)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC (same on SQLite and PostgreSQL); read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


ROLES = ("reviewer", "disclosure_officer", "supervisor", "administrator")
CLASSIFICATIONS = ("unclassified", "evidential", "non_evidential")
CLIP_STATES = ("present", "erasing", "erased")
REQUEST_TYPES = ("subject_access", "foi", "cps_court", "police_internal", "other")
FILE_KINDS = ("project", "export", "cache", "thumbnail", "proxy", "other")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}


class LoginSession(Base):
    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class PolicySetting(Base):
    __tablename__ = "policy"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_ref: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    clips: Mapped[list["Clip"]] = relationship(back_populates="case", order_by="Clip.id")


class Clip(Base):
    __tablename__ = "clips"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # equals sha256 while the media is held; NULL once erased (unique: no duplicates)
    live_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    stored_path: Mapped[str] = mapped_column(Text)  # relative to the evidence folder
    size: Mapped[int] = mapped_column(Integer)
    exhibit_ref: Mapped[str | None] = mapped_column(String(128))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64))
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # where captured_at came from: given | container | file_mtime | confirmed | corrected;
    # capture_guessed while it is only the file's modification time (retention holds the clip)
    captured_from: Mapped[str | None] = mapped_column(String(16))
    capture_guessed: Mapped[bool] = mapped_column(Boolean, default=False)
    # why the clip looks cut short, when it was imported with --accept-truncated
    truncated: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    classification: Mapped[str] = mapped_column(String(16), default="unclassified")
    classified_by: Mapped[str | None] = mapped_column(String(64))
    classified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    # when an evidential clip was last declassified: its non-evidential retention clock
    # runs from then, not from its capture (migration 0007)
    declassified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dispose_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="present", index=True)
    erasure_rule: Mapped[str | None] = mapped_column(String(64))
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    erased_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    case: Mapped[Case] = relationship(back_populates="clips")
    files: Mapped[list["StoredFile"]] = relationship(back_populates="clip")


class StoredFile(Base):
    """A project, export, cache, thumbnail... held for a case (and usually one clip)."""

    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)  # relative to data root when in_store
    in_store: Mapped[bool] = mapped_column(Boolean, default=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    clip: Mapped[Clip | None] = relationship(back_populates="files")


class Annotation(Base):
    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id"))
    at_ms: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class RetentionReview(Base):
    __tablename__ = "retention_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # retain | dispose
    reason: Mapped[str] = mapped_column(Text)
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


request_clips = Table(
    "request_clips", Base.metadata,
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column("clip_id", ForeignKey("clips.id"), primary_key=True),
)


class Request(Base):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(255))
    received: Mapped[dt.date] = mapped_column(Date)
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    # four-eyes: a supervisor approved disclosure under this request
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    clips: Mapped[list[Clip]] = relationship(secondary=request_clips, order_by="Clip.id")
    extensions: Mapped[list["RequestExtension"]] = relationship(order_by="RequestExtension.id")
    disclosures: Mapped[list["Disclosure"]] = relationship(order_by="Disclosure.id",
                                                           back_populates="request")


class RequestExtension(Base):
    __tablename__ = "request_extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    months: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    old_due: Mapped[dt.date | None] = mapped_column(Date)
    new_due: Mapped[dt.date] = mapped_column(Date)
    extended_by: Mapped[str] = mapped_column(String(64))
    extended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Disclosure(Base):
    __tablename__ = "disclosures"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    disclosed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(255))
    organisation: Mapped[str] = mapped_column(String(255))
    basis: Mapped[str] = mapped_column(Text)
    export_sha256: Mapped[str] = mapped_column(String(64), index=True)
    export_path: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    request: Mapped[Request] = relationship(back_populates="disclosures")


class AuditEntry(Base):
    """One row of the hash-chained audit trail. Never updated or deleted by the program."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, exactly as hashed
    username: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # hash rule: NULL = rows written before migration 0005, 2 = redaction.hashchain v2
    v: Mapped[int | None] = mapped_column(Integer)
    # HMAC-SHA256 under the audit key file (NULL: written without the key)
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last (seq, hash); advanced only by the database's trigger on INSERT
    into ``audit`` (migration 0005), which refuses a row that does not follow it."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


BATCH_STATES = ("queued", "running", "done", "failed")


class BatchJob(Base):
    """One clip's detection job in a ``bwv batch detect`` run (migration 0006): queued,
    running (on which worker, how many attempts), done (tracks, project) or failed (the
    error). Written only by the machine driving the batch; the library window shows each
    clip's latest job."""

    __tablename__ = "batch_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)     # the run's id
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id"), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    clip_path: Mapped[str] = mapped_column(Text)
    settings_key: Mapped[str] = mapped_column(String(32))
    executor: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(128))
    tracks: Mapped[int | None] = mapped_column(Integer)
    project_path: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
