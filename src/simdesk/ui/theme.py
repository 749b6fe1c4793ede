"""Text size and the high-contrast theme, applied to the whole application."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

DEFAULT_FONT_PT = 10

HIGH_CONTRAST_CSS = """
QWidget { background: #000000; color: #ffffff; }
QLineEdit, QPlainTextEdit, QTextBrowser, QListWidget, QTableWidget, QComboBox, QSpinBox {
    background: #000000; color: #ffffff; border: 1px solid #ffffff; }
QPushButton { background: #1a1a1a; color: #ffffff; border: 2px solid #ffffff; padding: 3px; }
QPushButton:disabled { color: #9a9a9a; border-color: #9a9a9a; }
QPushButton:focus, QLineEdit:focus, QListWidget:focus, QTableWidget:focus { border-color: #ffd400; }
QHeaderView::section { background: #1a1a1a; color: #ffffff; }
QTabBar::tab:selected { background: #ffd400; color: #000000; }
QTabBar::tab { background: #1a1a1a; color: #ffffff; padding: 4px 10px; }
"""


@dataclass(frozen=True)
class Display:
    font_pt: int = DEFAULT_FONT_PT
    high_contrast: bool = False


def apply_display(app: QApplication, display: Display) -> None:
    font = QFont(app.font())
    font.setPointSize(display.font_pt)
    app.setFont(font)
    if display.high_contrast:
        palette = QPalette()
        for role, colour in (
            (QPalette.ColorRole.Window, "#000000"),
            (QPalette.ColorRole.WindowText, "#ffffff"),
            (QPalette.ColorRole.Base, "#000000"),
            (QPalette.ColorRole.Text, "#ffffff"),
            (QPalette.ColorRole.Button, "#1a1a1a"),
            (QPalette.ColorRole.ButtonText, "#ffffff"),
            (QPalette.ColorRole.Highlight, "#ffd400"),
            (QPalette.ColorRole.HighlightedText, "#000000"),
            (QPalette.ColorRole.Link, "#7fd4ff"),
        ):
            palette.setColor(role, QColor(colour))
        app.setPalette(palette)
    else:
        app.setPalette(app.style().standardPalette())
    # The size goes in the style sheet too: widgets styled by a sheet ignore QApplication.setFont.
    size = f"* {{ font-size: {display.font_pt}pt; }}\n"
    app.setStyleSheet(size + (HIGH_CONTRAST_CSS if display.high_contrast else ""))
    for widget in app.allWidgets():  # sizes follow the new font and borders
        widget.updateGeometry()
