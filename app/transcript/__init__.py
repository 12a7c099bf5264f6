"""The transcript dock: words under the waveform, search, word-level redaction, proposals."""
