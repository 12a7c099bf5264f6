"""The export dialog's time ranges on a variable-frame-rate clip: the frames shown then."""
from __future__ import annotations

from fractions import Fraction

import pytest

from app.dialogs.export_dialog import parse_ranges
from redaction.media import MediaSource
from redaction.synth import ClipSpec, write_clip


def test_export_ranges_in_seconds_are_the_frames_shown_then(tmp_path):
    """1 s at 10 fps, 1 s at 30 fps, again (20 fps on average): '2.5-3.0' exported frames
    50-60 (seconds x the average rate: shown from 3.0 s to 3.33 s, so the officer's 2.5-3.0 s
    was left out and half a second they did not ask for was disclosed); it is frames 45-50.
    A time past the clip's end is refused instead of being held at the last frame."""
    clip = write_clip(tmp_path / "vfr.mp4", ClipSpec(frames=80, time_base=Fraction(1, 90000),
                                                     vfr_pattern=[9000] * 10 + [3000] * 30))
    with MediaSource(clip) as media:
        assert media.info.vfr
        want = [(media.index_at_time(2.5), media.index_at_time(3.0))]
        assert want == [(45, 50)]
        assert parse_ranges("2.5-3.0", media.fps, media) == want
        assert parse_ranges("00:00:02.500-00:00:03.000", media.fps, media) == want
        assert parse_ranges("10-20, #30-#40", media.fps, media) == [(10, 20), (30, 40)]
        with pytest.raises(ValueError, match="past the clip's end"):
            parse_ranges("3.5-9.0", media.fps, media)
