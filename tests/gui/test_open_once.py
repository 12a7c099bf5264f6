"""Each clip is demuxed once on open (issue 15): the frame index is kept per file in the
process and per source sha256 on disk, and shared by the window, the picture strip, the
track crops, detection (a child process) and export."""
from __future__ import annotations

from redaction import media


def test_opening_a_clip_builds_its_frame_index_once(qtbot, clip, monkeypatch):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction import edits
    from redaction.model import Keyframe, Track
    media.forget_indexes()
    opened = []
    real_init = media.MediaSource.__init__

    def counting_init(self, *a, **kw):
        opened.append(a[0])
        real_init(self, *a, **kw)
    monkeypatch.setattr(media.MediaSource, "__init__", counting_init)
    before = media.index_builds
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(clip)
    w.doc.do(edits.AddTrack(Track(id="a1", kind="face", origin="auto", keyframes=[
        Keyframe(3, (10.0, 10.0, 40.0, 40.0))], end_frame=20)))
    w.wait_idle(60000)
    w.jobs.load_crops()                 # the track crops' job opens the clip again
    w.wait_idle(60000)
    assert w.review.icons                # the crops came back
    # before: every one of these opens demuxed the clip (4 on this open, 5-6 with
    # detection and export); now only the first
    print("MediaSource opens:", len(opened), "index builds:", media.index_builds - before)
    assert len(opened) >= 4, opened
    assert media.index_builds - before == 1
    sha = w.doc.project.source.sha256
    assert media._index_file(sha).exists()        # for detection's child process and the CLI
    w.shutdown()
    media.forget_indexes()                         # another process: read from the disk
    src = media.MediaSource(clip, sha256=sha)
    assert media.index_builds - before == 1 and src.frame_count == 40
    src.close()


def test_a_changed_file_is_indexed_again(clips, tmp_path):
    p = tmp_path / "c.mp4"
    p.write_bytes(clips["basic"].read_bytes())
    media.forget_indexes()
    n = media.index_builds
    media.MediaSource(p, sha256="0" * 64).close()
    media.MediaSource(p, sha256="0" * 64).close()
    assert media.index_builds == n + 1
    p.write_bytes(clips["mono"].read_bytes())      # another clip under the same name
    media.forget_indexes()
    s = media.MediaSource(p, sha256="0" * 64)      # the disk entry's size/time do not match
    assert media.index_builds == n + 2 and s.frame_count == 25
    s.close()
