"""The user's models.toml: written with tomli_w, atomically, and read back the same."""

from __future__ import annotations

import tomllib

from simdesk.core.llm.registry import (
    ModelEntry,
    _write_user_registry,
    load_registry,
    user_registry_path,
)
from simdesk.core.paths import locations


def test_the_user_registry_round_trips_awkward_values_and_leaves_no_partial_file():
    where = locations().ensure()
    odd = ModelEntry(
        name='clinic "big" model',
        file="big \\ model.gguf",
        sha256="ab" * 32,
        kind="instruct",
        context=4096,
        recommended_use="Line one.\nLine two: ü",
    )
    _write_user_registry(where, [odd], odd.name)
    path = user_registry_path(where)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["active"] == odd.name and data["model"][0]["file"] == odd.file
    registry = load_registry(where)
    assert registry.active_name == odd.name
    assert next(e for e in registry.entries if e.name == odd.name) == odd
    assert [p.name for p in path.parent.iterdir() if p.name != path.name] == []
