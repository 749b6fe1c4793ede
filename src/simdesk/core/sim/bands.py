"""Normal and alarm limits of the vital signs by age.

They follow common paediatric and adult early-warning limits (WHO ETAT / NEWS2 style); the
monitor colours by them and the patient's answer to "how are you now" reads its trend from them.
They play no part in scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

NORMAL, WARNING, ALARM = "normal", "warning", "alarm"


@dataclass(frozen=True)
class Band:
    """``(low, high)`` is normal; beyond ``(alarm_low, alarm_high)`` is an alarm."""

    low: float
    high: float
    alarm_low: float
    alarm_high: float

    def level(self, value: float) -> str:
        if value < self.alarm_low or value > self.alarm_high:
            return ALARM
        if value < self.low or value > self.high:
            return WARNING
        return NORMAL


def bands_for(age_years: float) -> dict[str, Band]:
    """Normal and alarm limits for a patient's age."""
    if age_years < 1:
        hr, rr, sbp = Band(100, 160, 90, 180), Band(30, 50, 20, 60), Band(70, 100, 60, 120)
    elif age_years < 5:
        hr, rr, sbp = Band(90, 140, 80, 160), Band(24, 40, 16, 50), Band(80, 110, 70, 130)
    elif age_years < 12:
        hr, rr, sbp = Band(70, 120, 60, 140), Band(18, 30, 12, 40), Band(90, 120, 80, 140)
    else:
        hr, rr, sbp = Band(60, 100, 45, 130), Band(12, 20, 8, 28), Band(100, 140, 90, 180)
    return {
        "heart_rate": hr,
        "systolic_bp": sbp,
        "resp_rate": rr,
        "spo2": Band(95, 100, 90, 101),
        "temperature_c": Band(36.0, 37.9, 35.0, 39.4),
    }
