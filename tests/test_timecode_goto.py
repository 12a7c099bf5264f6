"""Go to a timecode the window showed: it lands on the frame that showed it, at any rate."""
from fractions import Fraction

import pytest

from redaction.timebase import parse_timecode, timecode


@pytest.mark.parametrize("fps", [Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001),
                                 Fraction(60000, 1001), Fraction(50)])
def test_every_timecode_shown_parses_back_to_its_frame(fps):
    """At 29.97 fps, from 17 s on, about half the timecodes shown went to the frame before
    (00:00:17:01 is frame 511, parsed as 510): timecode() rounds a second's first frame
    up, parse_timecode rounded it to the nearest."""
    bad = [f for f in range(0, 20000) if parse_timecode(timecode(f, fps), fps) != f]
    assert bad == []
