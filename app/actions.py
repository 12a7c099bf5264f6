"""Every user action, its shortcut(s), group and accessible name, in one table.

The main window builds QActions from this table and the help overlay (F1 or ?)
lists it, so the two never disagree.
"""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

# name, text, shortcuts, group, tooltip
TABLE = [
    ("open", "&Open clip or project…", ["Ctrl+O"], "File", "Open a clip (a project is created in your data folder) or a project"),
    ("save", "&Save", ["Ctrl+S"], "File", "Save the project (autosave also keeps a recovery copy)"),
    ("export", "&Export redacted copy…", ["Ctrl+E"], "File", "Export the redacted video with its manifest"),
    ("detect", "&Detect faces and plates…", ["Ctrl+D"], "File", "Run automatic detection in the background"),
    ("preferences", "&Preferences…", ["Ctrl+,"], "File", "Reasons, bases, theme, autosave"),
    ("quit", "&Quit", ["Ctrl+Q"], "File", "Close the workstation"),
    ("play", "Play / pause", ["Space", "K"], "Playback", "Play or pause (decoded frames with overlays)"),
    ("play_sound", "Play with sound (VLC)", ["Shift+Space"], "Playback", "Real-time playback with sound through libvlc; pause snaps to the exact frame"),
    ("shuttle_back", "Shuttle backwards", ["J"], "Playback", "Play backwards; press again to go faster"),
    ("shuttle_forward", "Shuttle forwards", ["L"], "Playback", "Play forwards; press again to go faster"),
    ("step_back", "Previous frame", ["Left"], "Playback", "One frame back"),
    ("step_forward", "Next frame", ["Right"], "Playback", "One frame forward"),
    ("back_second", "Back one second", ["Shift+Left"], "Playback", "One second back"),
    ("forward_second", "Forward one second", ["Shift+Right"], "Playback", "One second forward"),
    ("go_start", "First frame", ["Home"], "Playback", "Go to the first frame"),
    ("go_end", "Last frame", ["End"], "Playback", "Go to the last frame"),
    ("goto", "Go to frame or timecode…", ["Ctrl+G"], "Playback", "Jump to a frame index or HH:MM:SS:FF"),
    ("speed_up", "Faster", ["Ctrl+Up"], "Playback", "Next playback speed (up to 4×)"),
    ("speed_down", "Slower", ["Ctrl+Down"], "Playback", "Previous playback speed (down to 0.1×)"),
    ("mode_cycle", "Cycle view mode", ["M"], "View", "Edit → Redacted preview → Original"),
    ("mode_edit", "Edit view", ["1"], "View", "Original picture with box outlines"),
    ("mode_preview", "Redacted preview", ["2"], "View", "Exactly what the export will show"),
    ("mode_original", "Original view", ["3"], "View", "The untouched decoded frame"),
    ("zoom_in", "Zoom timeline in", ["Ctrl+="], "View", "Zoom the timeline in"),
    ("zoom_out", "Zoom timeline out", ["Ctrl+-"], "View", "Zoom the timeline out"),
    ("zoom_fit", "Fit timeline", ["Ctrl+0"], "View", "Show the whole clip on the timeline"),
    ("magnifier", "Magnifier", ["Z"], "View", "A loupe under the pointer showing the frame's real pixels (nearest-neighbour, 2–8×; mouse wheel over the picture changes the power)"),
    ("magnifier_power", "Magnifier power", ["Shift+Z"], "View", "Next magnification: 2× → 3× → 4× → 6× → 8×"),
    ("theme", "Switch theme", ["Ctrl+T"], "View", "Dark → High contrast → System"),
    ("help", "Keyboard shortcuts", ["F1", "?"], "View", "Show this list"),
    ("accept", "&Accept (redact)", ["A"], "Review", "Redact the selected track, with the reason"),
    ("reject", "&Reject", ["R"], "Review", "Do not redact: not personal data / false detection"),
    ("keep_clear", "&Keep clear", ["C"], "Review", "Deliberately left visible (e.g. the requester)"),
    ("next_pending", "Next pending track", ["N"], "Review", "Jump to the next track awaiting a decision"),
    ("add_note", "Add annotation here…", ["B"], "Review", "Add an incident marker at this frame"),
    ("undo", "&Undo", ["Ctrl+Z"], "Edit", "Undo the last edit (logged)"),
    ("redo", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Edit", "Redo (logged)"),
    ("set_start", "Start here", ["I"], "Edit", "The selected track starts at this frame"),
    ("set_end", "End here", ["O"], "Edit", "The selected track ends at this frame"),
    ("split", "Split", ["S"], "Edit", "Split the selected track at this frame"),
    ("merge", "Merge", ["Shift+M"], "Edit", "Merge the selected track with the nearest of its kind"),
    ("delete", "Delete", ["Delete"], "Edit", "Delete the selected track"),
    ("deselect", "Deselect", ["Esc"], "Edit", "Clear the selection"),
]


def build_actions(parent) -> dict[str, QAction]:
    out = {}
    for name, text, keys, group, tip in TABLE:
        a = QAction(text, parent)
        a.setObjectName(f"action_{name}")
        a.setShortcuts([QKeySequence(k) for k in keys])
        label = text.replace("&", "").rstrip("…")
        a.setToolTip(f"{tip} ({', '.join(keys)})")
        a.setStatusTip(tip)
        a.setWhatsThis(tip)
        a.setIconText(label)
        a.setProperty("group", group)
        a.setProperty("accessibleName", label)
        parent.addAction(a)
        out[name] = a
    return out
