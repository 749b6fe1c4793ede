"""Small charts drawn with QPainter: horizontal bars and a line over time (no QtCharts needed)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GOOD, FAIR, POOR = QColor("#2e7d4f"), QColor("#b7791f"), QColor("#c0392b")
LINE = QColor("#1f6fb2")


def score_colour(percent: float) -> QColor:
    """Green, amber or red by the score bands the printed reports use too."""
    from simdesk.core.assess.scoring import score_band

    return {"good": GOOD, "fair": FAIR, "poor": POOR}[score_band(percent)]


class BarChart(QWidget):
    """Labelled horizontal bars of percentages; ``None`` is drawn as 'not scored'."""

    BAR, GAP = 20, 8

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float | None]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: Sequence[tuple[str, float | None]]) -> None:
        self.bars = list(bars)
        self.setAccessibleDescription(
            "; ".join(f"{label}: {'not scored' if v is None else f'{v:.0f}%'}" for label, v in bars)
        )
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, max(len(self.bars), 1) * (self.BAR + self.GAP) + self.GAP)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, self.sizeHint().height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        metrics = painter.fontMetrics()
        label_w = min(
            max((metrics.horizontalAdvance(label) for label, _ in self.bars), default=0) + 12,
            self.width() // 2,
        )
        # Room for the widest value caption at this text size ("100%", "not scored").
        value_w = max(metrics.horizontalAdvance("100%"),
                      metrics.horizontalAdvance("not scored")
                      if any(v is None for _, v in self.bars) else 0) + 12  # fmt: skip
        plot_w = max(self.width() - label_w - value_w, 10)
        for row, (label, value) in enumerate(self.bars):
            top = self.GAP + row * (self.BAR + self.GAP)
            painter.setPen(text)
            shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 12)
            painter.drawText(
                QRectF(0, top, label_w - 8, self.BAR),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            track = QRectF(label_w, top, plot_w, self.BAR)
            painter.fillRect(track, QColor(128, 128, 128, 40))
            if value is None:
                caption = "not scored"
            else:
                painter.fillRect(
                    QRectF(label_w, top, plot_w * max(0.0, min(value, 100.0)) / 100, self.BAR),
                    score_colour(value),
                )
                caption = f"{value:.0f}%"
            painter.setPen(text)
            painter.drawText(
                QRectF(label_w + plot_w + 6, top, value_w, self.BAR),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                caption,
            )
        if not self.bars:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing scored yet")


class LineChart(QWidget):
    """Percentages in order (oldest first), with 0/50/100 guides and a caption per axis."""

    def __init__(self, parent=None, *, caption: str = "attempt") -> None:
        super().__init__(parent)
        self.values: list[float] = []
        self.caption = caption
        self.setMinimumHeight(140)

    def set_values(self, values: Sequence[float]) -> None:
        self.values = list(values)
        self.setAccessibleDescription(", ".join(f"{v:.0f}%" for v in values))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 180)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        left, top, right, bottom = 36.0, 8.0, 12.0, 22.0
        plot = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        for guide in (0, 50, 100):
            y = plot.bottom() - plot.height() * guide / 100
            painter.setPen(QPen(QColor(128, 128, 128, 90), 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(
                QRectF(0, y - 8, left - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(guide),
            )
        if not self.values:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No attempts yet")
            return
        step = plot.width() / max(len(self.values) - 1, 1)
        points = [
            QPointF(plot.left() + i * step, plot.bottom() - plot.height() * v / 100)
            for i, v in enumerate(self.values)
        ]
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        painter.setPen(QPen(LINE, 2))
        painter.drawPath(path)
        for point, value in zip(points, self.values, strict=True):
            painter.setBrush(score_colour(value))
            painter.drawEllipse(point, 4, 4)
        painter.setPen(text)
        baseline = QRectF(plot.left(), plot.bottom() + 4, plot.width(), bottom - 4)
        painter.drawText(baseline, Qt.AlignmentFlag.AlignLeft, f"{self.caption} 1")
        if len(self.values) > 1:
            painter.drawText(
                baseline, Qt.AlignmentFlag.AlignRight, f"{self.caption} {len(self.values)}"
            )


def trend_path(
    points: Sequence[tuple[float, float]], rect: QRectF, low: float, high: float
) -> QPainterPath:
    """A polyline of ``(minute, value)`` points, time along x, scaled into ``rect``."""
    span = (high - low) or 1.0
    first, last = points[0][0], points[-1][0]
    width = (last - first) or 1.0
    path = QPainterPath()
    for i, (minute, value) in enumerate(points):
        x = rect.left() + rect.width() * (minute - first) / width
        y = rect.bottom() - rect.height() * (min(max(value, low), high) - low) / span
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    return path
