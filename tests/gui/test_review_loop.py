"""The review-and-correct loop: what the redacted preview shows and plays is what the
export writes, and each edit lands on the frame and track it names."""
from __future__ import annotations

from redaction import edits
from redaction.model import AudioRange


class FakeSound:
    """Stands in for AudioOut: records the ranges the player would redact."""
    available, running = True, False

    def __init__(self):
        self.started = []

    def start(self, path, t0, ranges=None):
        self.started.append(None if ranges is None else sorted(r.id for r in ranges))
        return True

    def position_s(self):
        return None

    def stop(self):
        pass


def test_preview_sound_redacts_only_the_ranges_the_export_redacts(qtbot, win):
    """A rejected or kept-clear audio range is heard in the export, so in the preview too;
    a pending one is muted (the only export with pending ranges redacts them)."""
    doc = win.doc
    for rid, status in (("a1", "accepted"), ("a2", "rejected"), ("a3", "keep_clear"),
                        ("a4", "pending")):
        doc.do(edits.AddAudioRange(AudioRange(0.1, 0.3, "mute", "x", id=rid, status=status)))
    sound = win.playback.audio = FakeSound()
    doc.set_mode("preview")
    win.playback.play()
    win.playback.pause()
    assert sound.started == [["a1", "a4"]]
    doc.set_mode("edit")                    # Edit plays the original sound
    win.playback.play()
    win.playback.pause()
    assert sound.started[-1] is None
