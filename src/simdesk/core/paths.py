"""Where simdesk keeps its files.

Locations come from platformdirs. ``SIMDESK_HOME`` overrides all of them with one folder
(portable mode from a USB stick; the tests use it to isolate every run in a tmp folder).
``SIMDESK_CASES`` points the case library at another folder of bundled cases.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "simdesk"


@dataclass(frozen=True)
class Locations:
    """The folders simdesk writes to. All are created on demand by :meth:`ensure`."""

    data: Path
    config: Path
    cache: Path
    logs: Path

    @property
    def models(self) -> Path:
        """User and assembled model files."""
        return self.data / "models"

    @property
    def profiles(self) -> Path:
        """One encrypted database per learner profile, plus its key wraps."""
        return self.data / "profiles"

    @property
    def user_cases(self) -> Path:
        """Cases a user added (imported or authored), beside the bundled ones."""
        return self.data / "cases"

    def ensure(self) -> Locations:
        for folder in (self.data, self.config, self.cache, self.logs, self.models, self.profiles):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def locations() -> Locations:
    """The current locations, read from the environment each call (tests change it)."""
    home = os.environ.get("SIMDESK_HOME")
    if home:
        base = Path(home).expanduser().resolve()
        return Locations(
            data=base / "data", config=base / "config", cache=base / "cache", logs=base / "logs"
        )
    return Locations(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def bundle_root() -> Path | None:
    """The data folder of a frozen app bundle (PyInstaller), None when running from Python.

    The bundle (see ``packaging/``) carries ``cases/`` and ``models/`` (the registry and the
    default model, assembled and verified when the bundle was built) in this folder.
    """
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS)
    return None


def project_root() -> Path | None:
    """The source checkout this package runs from, if any (editable installs and bundles)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "cases").is_dir():
            return parent
    return None


def bundled_cases_dir() -> Path:
    """The folder of cases that ship with simdesk."""
    override = os.environ.get("SIMDESK_CASES")
    if override:
        return Path(override).expanduser().resolve()
    bundle = bundle_root()
    if bundle is not None:
        return bundle / "cases"
    root = project_root()
    if root is not None:
        return root / "cases"
    return Path(__file__).resolve().parent.parent / "cases"
