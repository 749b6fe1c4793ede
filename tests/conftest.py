"""Shared fixtures. Every test runs with SIMDESK_HOME in its own tmp folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from simdesk.core.cases.loader import load_case
from simdesk.core.llm.model_files import ensure_default_model
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.core.store.keys import KdfParams

TB_CASE = "pulmonary-tb-miner.yaml"

# Cheap Argon2id settings for tests that are not about key derivation itself.
FAST_KDF = KdfParams(iterations=1, memory_kib=8 * 1024, lanes=1)


# Qt's widgets run offscreen unless the caller chose a platform: `make test` then passes on a
# machine with no display (Qt would abort) and opens no windows on a desktop.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The ICD-10-CM synonym groups are derived from an installed package, not learner data: one cache
# for the whole run (and later runs) instead of a 30-second rebuild in every test's own home.
os.environ.setdefault(
    "SIMDESK_TERMINOLOGY_CACHE", str(Path(tempfile.gettempdir()) / "simdesk-test-terminology")
)
# Likewise the dimension reader's weights, learnt from shipped questions only.
os.environ.setdefault(
    "SIMDESK_READER_CACHE", str(Path(tempfile.gettempdir()) / "simdesk-test-readers")
)


@pytest.fixture(autouse=True)
def simdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "simdesk-home"
    monkeypatch.setenv("SIMDESK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def assembled_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real default model, assembled once per test session from its installed package."""
    return ensure_default_model(tmp_path_factory.mktemp("models"))


@pytest.fixture
def default_model(assembled_model: Path, simdesk_home: Path) -> Path:
    """The default model placed in this test's models folder (a hard link: no copy)."""
    models = locations().ensure().models
    for source in (assembled_model, assembled_model.with_name(assembled_model.name + ".verified")):
        target = models / source.name
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    return models / assembled_model.name


@pytest.fixture
def tb_case():
    return load_case(bundled_cases_dir() / TB_CASE)
