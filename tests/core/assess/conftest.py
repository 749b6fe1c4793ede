"""Encounters played on the real engine and bundled cases, for assessment tests."""

from __future__ import annotations

import pytest

from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter
from tests.core.assess.seeded import play_script
from tests.core.store.conftest import instructor, profiles  # noqa: F401  (the real store)

MALARIA = "cerebral-malaria-child.yaml"

GOOD_STEPS = [
    ("ask", "how long has he had the fever"),
    ("ask", "has he had any fits"),
    ("ask", "does he respond to you"),
    ("ask", "can he drink"),
    ("ask", "what medicine has he taken"),
    ("ask", "any allergies"),
    ("exam", "Blantyre coma score"),
    ("exam", "neck stiffness"),
    ("order", "glucose"),
    ("order", "malaria RDT"),
    ("treat", "IV artesunate"),
    ("treat", "10% dextrose"),
    ("treat", "ceftriaxone"),
    ("wait", 30),
    ("diagnose", ["cerebral malaria", "bacterial meningitis"]),
]


@pytest.fixture(scope="session")
def malaria_case():
    return load_case(bundled_cases_dir() / MALARIA)


def play(case, steps, seed: int = 0) -> Encounter:
    """Play steps on the real engine (no model: replies are the authored lines)."""
    return play_script(case, steps, seed=seed)
