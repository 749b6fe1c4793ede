"""A finished attempt as anonymised xAPI 1.0.3 statements: attempted, completed, passed/failed.

What leaves the device is exactly what :func:`attempt_statements` writes (the README lists every
field): a random pseudonym as an ``account`` actor, the case id and version as the activity,
score, domain scores and each rubric item's outcome, mode, real and simulated durations, the
model id and a timestamp coarsened to the hour. No name, no free text (questions, replies, notes,
plans, the submitted diagnosis), no rubric descriptions. Statement ids are derived from the
attempt, so queueing an attempt twice gives the same statements (the hub stores them once).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from simdesk import __version__
from simdesk.core.assess.attempts import AttemptResult

VERBS = ("attempted", "completed", "passed", "failed")
ADL = "http://adlnet.gov/expapi/verbs/"
EXT = "https://simdesk.org/xapi/ext/"
CASE_IRI = "https://simdesk.org/xapi/cases/"
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
PASS_MARK = 70.0
NAMESPACE = uuid.UUID("5d1c0d4e-51d0-4c6b-9a53-15c0ffee0015")


@dataclass(frozen=True)
class AttemptInfo:
    """What the statements say about an attempt beyond its score."""

    attempt_key: str  # unique per attempt on this device (profile sync id + attempt id)
    mode: str  # practice or exam
    started_at: datetime  # naive UTC
    finished_at: datetime  # naive UTC
    sim_minutes: float
    model_id: str  # the model file that voiced the patient ("" for none)


def new_pseudonym() -> str:
    """A random pseudonym: 128 random bits, nothing derived from the learner."""
    return "sd-" + secrets.token_hex(16)


def coarsen(moment: datetime, hours: int = 1) -> str:
    """A naive-UTC time truncated to ``hours`` (an hour by default), as xAPI wants it."""
    moment = moment.replace(minute=0, second=0, microsecond=0)
    moment -= timedelta(hours=moment.hour % hours)
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S"


def attempt_statements(
    result: AttemptResult, info: AttemptInfo, pseudonym: str, home: str, *, coarse_hours: int = 1
) -> list[dict]:
    """The three statements of one scored attempt (ids stable for the same attempt)."""
    actor = {"objectType": "Agent", "account": {"homePage": home, "name": pseudonym}}
    activity = {
        "objectType": "Activity",
        "id": f"{CASE_IRI}{result.case_id}/{result.case_version}",
        "definition": {
            "type": SIMULATION,
            "name": {"en": result.case_id},
            "extensions": {f"{EXT}case": result.case_id, f"{EXT}case-version": result.case_version},
        },
    }
    passed = result.percent >= PASS_MARK and not result.capped
    score = {
        "scaled": round(result.percent / 100, 4),
        "raw": round(result.percent, 2),
        "min": 0,
        "max": 100,
    }
    domains = {d: (None if v is None else round(v, 1)) for d, v in result.domains.items()}
    extensions = {
        f"{EXT}domains": {d: v for d, v in domains.items() if v is not None},
        f"{EXT}rubric": {i.id: i.status for i in result.items},
        f"{EXT}sim-minutes": round(info.sim_minutes, 1),
        f"{EXT}safety-cap": result.capped,
    }
    real = (info.finished_at - info.started_at).total_seconds()
    registration = str(uuid.uuid5(NAMESPACE, f"{pseudonym}/{info.attempt_key}"))
    context = {
        "registration": registration,
        "platform": f"simdesk {__version__}",
        "contextActivities": {
            "category": [
                {"objectType": "Activity", "id": f"{CASE_IRI}specialty/{result.specialty}"}
            ]
        },
        "extensions": {
            f"{EXT}mode": info.mode,
            f"{EXT}model": info.model_id or "none",
            f"{EXT}difficulty": result.difficulty,
        },
    }
    out = []
    for verb in ("attempted", "completed", "passed" if passed else "failed"):
        when = info.started_at if verb == "attempted" else info.finished_at
        statement = {
            "id": str(uuid.uuid5(NAMESPACE, f"{registration}/{verb}")),
            "actor": actor,
            "verb": {"id": ADL + verb, "display": {"en-US": verb}},
            "object": activity,
            "result": {"score": score, "duration": iso_duration(real), "extensions": extensions},
            "context": context,
            "timestamp": coarsen(when, coarse_hours),
        }
        if verb != "attempted":
            statement["result"] = {**statement["result"], "completion": True}
        if verb in ("passed", "failed"):
            statement["result"] = {**statement["result"], "success": passed}
        out.append(statement)
    return out


def field_paths(statement: dict) -> set[str]:
    """Every field of a statement as a dotted path (``ext:`` for simdesk's extension IRIs).

    The maps of domain scores and rubric outcomes are one field each: their keys are domain and
    rubric item ids. The README's list of fields sent is checked against this.
    """
    paths: set[str] = set()

    def walk(node, prefix: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, prefix + "[]")
        elif isinstance(node, dict) and not prefix.endswith(("ext:domains", "ext:rubric")):
            for key, value in node.items():
                walk(value, f"{prefix}.{key.replace(EXT, 'ext:')}".lstrip("."))
        else:
            paths.add(prefix)

    walk(statement, "")
    return paths
