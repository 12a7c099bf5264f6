"""The PySide6 review and redaction workstation: thin views and controllers over the engine.

Nothing in :mod:`redaction` imports this package; the ``bwv gui`` command imports it
lazily so the engine and the CLI stay Qt-free.
"""
