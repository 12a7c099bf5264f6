"""Playback and navigation: the frame view, the transport, the view modes, stepping,
seeking, speed, go-to, jumping to a track, a check or the next pending track."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from redaction.errors import BwvError
from redaction.workspace import frame_to_show

from ..dialogs.small import ask_goto
from ..document import MODE_LABELS
from ..icons import SHAPES, icon
from ..player.playback import SPEEDS
from ..player.transport import capture_time
from . import Controller

BANNERS = {"preview": "REDACTED PREVIEW: exactly what the export shows (pending tracks shown as redacted)",
           "original": "ORIGINAL: no redactions shown"}


class PlaybackController(Controller):
    """Holds the window, its actions, the ``Playback`` clock, the frame view (and the VLC
    surface in its stack), the transport bar and the timeline."""

    def __init__(self, win, actions, playback, view, stack, transport, timeline):
        super().__init__(win)
        self.a, self.playback, self.view, self.stack = actions, playback, view, stack
        self.transport, self.timeline = transport, timeline
        pb = playback
        pb.stateChanged.connect(self.playing_changed)
        pb.speedChanged.connect(transport.show_speed)
        transport.seekRequested.connect(self.seek)
        view.pressed.connect(pb.pause)
        transport.speedRequested.connect(pb.set_speed)
        transport.modeRequested.connect(self.set_mode)
        timeline.view.seekRequested.connect(self.seek)

    def slots(self):
        pb, d, tv = self.playback, self.with_doc, self.timeline.view
        return {
            "play": d(pb.toggle),
            "play_sound": d(lambda: pb.play(with_sound=self.win.vlc is not None)),
            "shuttle_back": d(lambda: pb.shuttle(-1)), "shuttle_forward": d(lambda: pb.shuttle(1)),
            "step_back": lambda: self.step(-1), "step_forward": lambda: self.step(1),
            "back_second": lambda: self.step(-self.fps_int()),
            "forward_second": lambda: self.step(self.fps_int()),
            "go_start": lambda: self.seek(0), "go_end": lambda: self.seek(10 ** 9),
            "goto": self.goto, "speed_up": lambda: self.speed(1), "speed_down": lambda: self.speed(-1),
            "mode_cycle": d(lambda: self.doc.cycle_mode()),
            "mode_edit": lambda: self.set_mode("edit"), "mode_preview": lambda: self.set_mode("preview"),
            "mode_original": lambda: self.set_mode("original"),
            "zoom_in": lambda: tv.zoom(2.0), "zoom_out": lambda: tv.zoom(0.5),
            "zoom_fit": self.timeline.fit,
            "magnifier": lambda: self.view.set_magnifier(self.a["magnifier"].isChecked()),
            "magnifier_power": lambda: self.view.next_magnification(),
            "next_pending": self.next_pending,
        }

    def update_actions(self, has: bool) -> None:
        for n in ("next_pending", "goto"):
            self.a[n].setEnabled(has)
        self.a["play_sound"].setEnabled(self.win.vlc is not None)
        if self.win.vlc is None:
            self.a["play_sound"].setToolTip(self.win.vlc_status)

    # -- showing the frame -------------------------------------------------------------------
    def render(self, *_) -> None:
        doc = self.doc
        if doc is None:
            return
        if not self.playback.using_vlc:
            try:
                self.view.set_frame(doc.frame, doc.image(), doc.media.sample_aspect_ratio)
            except BwvError as e:  # a corrupt frame: stop playing, say it once
                self.playback.pause()
                self.win.show_error(str(e))
        self.view.set_tracks(doc.project.tracks if doc.mode == "edit" else [], doc.selected)
        clip = self.win.store_clip         # a held clip: the store's capture time, not the file's
        t = capture_time(clip.captured if clip is not None and clip.captured else doc.media.info.captured,
                         doc.media.time_of(doc.frame))
        if t and clip is not None and clip.captured and clip.capture_guessed:
            t += " (guessed)"
        self.transport.show_position(doc.frame, doc.timecode(), t)
        self.timeline.view.ensure_visible(doc.frame)
        self.timeline.view.update()

    def mode_changed(self, mode: str) -> None:
        self.view.editable = mode == "edit" and self.win.gate.allowed("redact")
        self.timeline.view.redact_allowed = self.win.gate.allowed("redact")
        if not self.win.source_changed:
            self.view.set_banner(BANNERS.get(mode, ""))
        self.transport.show_mode(mode)
        for m in ("edit", "preview", "original"):
            self.a[f"mode_{m}"].setChecked(m == mode)
        self.status(f"View: {MODE_LABELS[mode]}", 2000)
        self.render()

    def set_icons(self) -> None:
        color = QApplication.palette().buttonText().color()
        for name in SHAPES:
            if name in self.a:
                self.a[name].setIcon(icon(name, color))
        self.a["play"].setIcon(icon("pause" if self.playback.playing else "play", color))

    def playing_changed(self, playing: bool) -> None:
        self.stack.setCurrentWidget(self.win.vlc if self.playback.using_vlc else self.view)
        if playing and self.playback.using_vlc:
            self.status("Playing with sound (VLC): overlays hidden; pause to review the exact "
                        "frame", 5000)
        self.set_icons()
        if not playing:
            self.render()

    # -- navigation --------------------------------------------------------------------------
    def fps_int(self) -> int:
        return max(1, round(float(self.doc.media.fps))) if self.doc else 25

    def step(self, n: int) -> None:
        if self.doc is not None:
            self.playback.pause()
            self.doc.step(n)

    def seek(self, i: int) -> None:
        if self.doc is not None:
            self.playback.pause()
            self.doc.seek(i)

    def seek_time(self, t: float) -> None:
        if self.doc is not None:
            self.seek(self.doc.media.index_at_time(t))

    def speed(self, d: int) -> None:
        s = self.playback.speed
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - s))
        self.playback.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i + d))])

    def goto(self) -> None:
        if self.doc is None:
            return
        try:
            i = ask_goto(self.win, self.doc.media, self.doc.frame, self.doc.frame_count)
        except ValueError as e:    # a typo: say so (it was ignored without a word)
            self.status(str(e), 6000)
            return
        if i is not None:
            self.seek(i)

    def set_mode(self, mode: str) -> None:
        if self.doc is not None:
            self.doc.set_mode(mode)

    def jump_to_track(self, tid: str) -> None:
        self.doc.select(tid)
        self.show_track(self.doc.project.track(tid))
        self.view.setFocus()

    def show_track(self, t) -> None:
        """Go to a frame that shows the track's box (not a pre-held first frame)."""
        info = self.doc.media.info
        frame = frame_to_show(t, self.doc.frame, info.width, info.height)
        if frame != self.doc.frame:
            self.seek(frame)

    def jump_to_check(self, tid: str, frame: int) -> None:
        if self.doc is None:
            return
        self.doc.select(tid or None)           # a check of frames (dark footage) has no track
        self.seek(frame)
        self.view.setFocus()

    def next_pending(self) -> None:
        if self.doc is None:
            return
        t = self.doc.next_pending()
        if t is None:
            self.status("No pending tracks", 3000)
        else:
            self.doc.select(t.id)
            self.show_track(t)
