"""UI test helpers: every screen a test visits is saved as a PNG for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(os.environ.get("SIMDESK_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"))


@pytest.fixture
def screenshot():
    def save(widget, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save
