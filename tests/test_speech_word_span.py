"""Word spans given the wrong way round (``add-audio --words 5-3``) are named as such, not
as "outside the transcript"."""
from __future__ import annotations

import pytest

from redaction.speech.engines import Word
from redaction.speech.transcript import Transcript, span_times


def test_a_reversed_word_span_says_so():
    t = Transcript([Word(f"w{i}", i, i + 0.5, 0.9) for i in range(10)], "e", "0" * 64, 10.0)
    with pytest.raises(IndexError, match=r"words 5-3: the first word is after the last"):
        span_times(t, 5, 3)
    with pytest.raises(IndexError, match=r"words 3-99 are outside the transcript \(0-9\)"):
        span_times(t, 3, 99)
