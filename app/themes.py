"""Dark and high-contrast themes (Fusion palettes). Font sizes are never hard-coded,
so text follows the system font size."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("dark", "high-contrast", "system")


def _palette(spec: dict, disabled: str) -> QPalette:
    p = QPalette()
    for role, color in spec.items():
        p.setColor(getattr(QPalette, role), QColor(color))
    # setColor(role, c) sets every group: give disabled text its own colour, or disabled
    # (role-refused) actions look exactly like enabled ones
    for role in ("WindowText", "Text", "ButtonText"):
        p.setColor(QPalette.Disabled, getattr(QPalette, role), QColor(disabled))
    return p


DARK = {"Window": "#232629", "WindowText": "#e6e6e6", "Base": "#1b1d20", "AlternateBase": "#2b2f33",
        "ToolTipBase": "#2b2f33", "ToolTipText": "#f0f0f0", "Text": "#e6e6e6", "Button": "#2f3338",
        "ButtonText": "#e6e6e6", "BrightText": "#ff5252", "Highlight": "#3d8ee6",
        "HighlightedText": "#ffffff", "Link": "#6cb4ff", "Mid": "#45494e", "PlaceholderText": "#9a9a9a"}
HIGH_CONTRAST = {"Window": "#000000", "WindowText": "#ffffff", "Base": "#000000",
                 "AlternateBase": "#1a1a1a", "ToolTipBase": "#000000", "ToolTipText": "#ffff00",
                 "Text": "#ffffff", "Button": "#000000", "ButtonText": "#ffff00", "BrightText": "#ffff00",
                 "Highlight": "#ffff00", "HighlightedText": "#000000", "Link": "#00ffff",
                 "Mid": "#ffffff", "PlaceholderText": "#c0c0c0"}
HC_SHEET = """
* { border-color: #ffffff; }
QPushButton, QToolButton, QComboBox, QSpinBox, QLineEdit { border: 2px solid #ffffff; padding: 2px 6px; }
*:focus { outline: none; border: 3px solid #ffff00; }
QToolButton:checked { background: #ffff00; color: #000000; }
"""
DARK_SHEET = "*:focus { outline: none; } QToolButton:checked { background: #3d8ee6; }"


def alert_color() -> QColor:
    """Red for text that asks for attention (an open check, a low-confidence or out-of-clip
    track), readable on the theme's base: #c62828 is 5.6:1 on white but 3.0:1 on the dark
    theme's base and 3.7:1 on black (WCAG asks 4.5:1)."""
    base = QApplication.palette().base().color()
    return QColor("#c62828") if base.lightnessF() > 0.5 else QColor("#ff6e6e")


def apply_theme(app: QApplication, name: str) -> str:
    name = name if name in THEMES else "dark"
    app.setStyle("Fusion")
    if name == "dark":
        app.setPalette(_palette(DARK, "#7c8086"))
        app.setStyleSheet(DARK_SHEET)
    elif name == "high-contrast":
        app.setPalette(_palette(HIGH_CONTRAST, "#8c8c8c"))
        app.setStyleSheet(HC_SHEET)
    else:
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet("")
    return name
