"""The evidence store: cases, clips, users and roles, requests, disclosures, retention, audit.

SQLAlchemy 2 models (``models``) with Alembic migrations shipped in ``migrations/``
and applied programmatically when a store is opened (``db.open_store``). SQLite
(WAL) in the data folder by default; ``BWV_DATABASE_URL`` selects PostgreSQL.
High-level entry points for the CLI and GUI are in ``api``; the export command
calls :func:`redaction.store.disclosures.record_disclosure`.
"""
