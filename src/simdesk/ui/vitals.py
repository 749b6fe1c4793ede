"""The live vitals monitor: HR, BP, RR, SpO2 and temperature, trends over simulated time, alarms.

Alarm bands follow common paediatric and adult early-warning limits (WHO ETAT / NEWS2 style);
they colour the monitor only and play no part in scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from simdesk.core.sim.bands import ALARM, NORMAL, WARNING, bands_for
from simdesk.ui.charts import trend_path

LEVEL_COLOURS = {NORMAL: QColor("#1e4d2b"), WARNING: QColor("#8a5a00"), ALARM: QColor("#a11d1d")}


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    unit: str
    scale: tuple[float, float]  # the trend's y range


CHANNELS = (
    Channel("heart_rate", "HR", "/min", (30, 200)),
    Channel("systolic_bp", "BP", "mmHg", (40, 200)),
    Channel("resp_rate", "RR", "/min", (5, 70)),
    Channel("spo2", "SpO2", "%", (70, 100)),
    Channel("temperature_c", "Temp", "°C", (34, 42)),
)


def _fitting_font(base: QFont, text: str, width: float) -> QFont:
    """A bold font up to 7 points larger than ``base`` in which ``text`` fits ``width``."""
    big = QFont(base)
    big.setBold(True)
    size = base.pointSizeF() + 7
    while size > 6:  # below the base size too: a narrow tile at large text never cuts a value
        big.setPointSizeF(size)
        if QFontMetricsF(big).horizontalAdvance(text) <= width:
            break
        size -= 1
    return big


def _caption_font(base: QFont, text: str, width: float) -> QFont:
    """A point smaller than ``base``, smaller still if ``text`` would not fit ``width``."""
    small = QFont(base)
    size = max(base.pointSizeF() - 1, 7)
    small.setPointSizeF(size)
    while size > 6 and QFontMetricsF(small).horizontalAdvance(text) > width:
        size -= 0.5
        small.setPointSizeF(size)
    return small


class VitalsMonitor(QWidget):
    """Five tiles: the current value in its alarm colour and its trend over simulated time."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("vitalsMonitor")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(96)
        self.bands = bands_for(30)
        self.history: list[tuple[float, dict[str, float]]] = []

    def reset(self, age_years: float) -> None:
        self.bands = bands_for(age_years)
        self.history = []
        self.update()

    def record(self, minute: float, vitals: dict[str, float]) -> None:
        """Add a reading; a reading at the same minute replaces the last one."""
        if self.history and self.history[-1][0] == minute:
            self.history[-1] = (minute, dict(vitals))
        else:
            self.history.append((minute, dict(vitals)))
        self.setAccessibleDescription(self.summary())
        self.update()

    def levels(self) -> dict[str, str]:
        """The alarm level of each channel at the latest reading."""
        if not self.history:
            return {}
        latest = self.history[-1][1]
        return {c.key: self.bands[c.key].level(latest[c.key]) for c in CHANNELS}

    def value_text(self, key: str) -> str:
        latest = self.history[-1][1]
        if key == "systolic_bp":
            return f"{latest['systolic_bp']:.0f}/{latest['diastolic_bp']:.0f}"
        if key == "temperature_c":
            return f"{latest[key]:.1f}"
        return f"{latest[key]:.0f}"

    def summary(self) -> str:
        levels = self.levels()
        return "; ".join(
            f"{c.label} {self.value_text(c.key)} {c.unit}"
            + ("" if levels[c.key] == NORMAL else f" ({levels[c.key]})")
            for c in CHANNELS
        )

    def sizeHint(self) -> QSize:
        return QSize(600, 104)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#101418"))
        if not self.history:
            painter.setPen(QColor("#d0d6dc"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No patient on the monitor")
            return
        levels = self.levels()
        width = self.width() / len(CHANNELS)
        base = QFont(self.font())
        for n, channel in enumerate(CHANNELS):
            tile = QRectF(n * width + 3, 3, width - 6, self.height() - 6)
            level = levels[channel.key]
            painter.fillRect(tile, LEVEL_COLOURS[level])
            painter.setPen(QColor("#ffffff"))
            caption = f"{channel.label} {channel.unit}" + ("  ALARM" if level == ALARM else "")
            painter.setFont(_caption_font(base, caption, tile.width() - 10))
            painter.drawText(tile.adjusted(6, 2, -4, 0), Qt.AlignmentFlag.AlignTop, caption)
            value_box = QRectF(tile.left() + 6, tile.top() + 16, tile.width() - 10, 30)
            text = self.value_text(channel.key)
            painter.setFont(_fitting_font(base, text, value_box.width()))
            painter.drawText(value_box, Qt.AlignmentFlag.AlignLeft, text)
            trend = QRectF(tile.left() + 6, tile.top() + 52, tile.width() - 12, tile.height() - 58)
            points = [(minute, v[channel.key]) for minute, v in self.history]
            if len(points) > 1:
                painter.setPen(QPen(QColor("#ffffff"), 1.5))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(trend_path(points, trend, *channel.scale))
            painter.setFont(base)
