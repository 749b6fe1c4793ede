"""Vital signs over simulated time, by the case's declarative physiology rules.

The state is stepped one simulated minute at a time and clamped to physiological limits after
each step, so a patient at the floor of a drift recovers from the floor when treated. Nothing is
random: the same treatments at the same minutes give the same vitals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simdesk.core.cases.schema import VITAL_LIMITS, PhysiologyRule, Vitals

MIN_PULSE_PRESSURE = 5


@dataclass
class Physiology:
    """The current vitals of one encounter, advanced minute by minute."""

    baseline: Vitals
    rules: list[PhysiologyRule]
    minute: int = 0
    given: dict[str, list[int]] = field(default_factory=dict)  # treatment code -> minutes
    state: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        self.state = {k: float(v) for k, v in self.baseline.model_dump().items()}

    def give(self, code: str) -> None:
        """Record a treatment at the current minute; response rules start from the next one."""
        self.given.setdefault(code, []).append(self.minute)

    def advance_to(self, minute: float) -> None:
        while self.minute + 1 <= minute:
            self.minute += 1
            self._step(self.minute)

    def _step(self, now: int) -> None:
        for rule in self.rules:
            fraction = self._drift(rule, now) if rule.kind == "drift" else self._response(rule, now)
            if fraction:
                for vital, change in rule.change.items():
                    self.state[vital] += change * fraction
        self._clamp()

    def _drift(self, rule: PhysiologyRule, now: int) -> float:
        assert rule.every_minutes is not None
        since = now - rule.after_minute
        if since <= 0 or since % rule.every_minutes:
            return 0.0
        stopped = [m for code in rule.unless_given for m in self.given.get(code, [])]
        return 0.0 if stopped and min(stopped) < now else 1.0

    def _response(self, rule: PhysiologyRule, now: int) -> float:
        assert rule.treatment is not None
        fraction = 0.0
        for at in self.given.get(rule.treatment, [])[: rule.max_times]:
            if rule.onset_minutes == 0:
                fraction += 1.0 if now == at + 1 else 0.0
            elif at < now <= at + rule.onset_minutes:
                fraction += 1.0 / rule.onset_minutes
        return fraction

    def _clamp(self) -> None:
        for vital, (low, high) in VITAL_LIMITS.items():
            self.state[vital] = min(max(self.state[vital], low), high)
        top = self.state["systolic_bp"] - MIN_PULSE_PRESSURE
        self.state["diastolic_bp"] = max(min(self.state["diastolic_bp"], top), 10)

    def baseline_vitals(self) -> dict[str, float]:
        """The vitals at the start, as the monitor showed them."""
        return {k: round(float(v), 1) for k, v in self.baseline.model_dump().items()}

    def vitals(self) -> dict[str, float]:
        """The vitals as a monitor shows them: whole numbers, temperature to 0.1 degree."""
        return {
            k: round(v, 1) if k == "temperature_c" else int(round(v)) for k, v in self.state.items()
        }
