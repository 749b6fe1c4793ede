"""The model registry and ``simdesk models``: import from a stick, verify, choose, remove."""

from __future__ import annotations

import hashlib

import pytest

from simdesk.cli import main
from simdesk.core.errors import ModelCorrupt, ModelError
from simdesk.core.llm.registry import (
    ModelTooLarge,
    check_fits_in_ram,
    import_model,
    load_registry,
    resolve_active_model,
    user_registry_path,
    verify_models,
)
from simdesk.core.paths import locations


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_copies_verifies_and_registers_an_instruction_model(instruct_gguf):
    locs = locations()
    seen = []
    entry = import_model(instruct_gguf, locs, progress=lambda done, total: seen.append(done))
    copy = locs.models / instruct_gguf.name
    assert copy.read_bytes() == instruct_gguf.read_bytes()
    assert entry.sha256 == _sha(instruct_gguf) and seen[-1] == copy.stat().st_size
    registry = load_registry(locs)
    assert registry.get("tiny-chat") == entry and registry.active_name == "gemma-3-270m"
    main(["models", "use", "tiny-chat"])
    resolved = resolve_active_model(locs)
    assert (resolved.kind, resolved.path, resolved.n_ctx) == ("instruct", copy, 4096)


def test_the_registry_can_override_the_detected_kind(instruct_gguf):
    locs = locations()
    import_model(instruct_gguf, locs, name="chat")
    path = user_registry_path(locs)
    path.write_text(path.read_text().replace('kind = "auto"', 'kind = "base"'))
    assert load_registry(locs).get("chat").kind == "base"
    main(["models", "use", "chat"])
    assert resolve_active_model(locs).kind == "base"


@pytest.mark.parametrize("damage", ["truncated", "not-gguf", "wrong-sha256"])
def test_a_bad_file_is_refused_and_nothing_is_left_behind(instruct_gguf, damage):
    locs = locations()
    expected = None
    if damage == "truncated":
        instruct_gguf.write_bytes(instruct_gguf.read_bytes()[:-64])
    elif damage == "not-gguf":
        instruct_gguf.write_bytes(b"PK\x03\x04 a zip file" * 50)
    else:
        instruct_gguf.with_name(instruct_gguf.name + ".sha256").write_text("0" * 64 + "  x\n")
    before = _sha(instruct_gguf)
    with pytest.raises(ModelCorrupt) as info:
        import_model(instruct_gguf, locs, expected_sha256=expected)
    assert str(instruct_gguf) in info.value.what and info.value.fix
    assert _sha(instruct_gguf) == before  # the source is never touched
    assert not locs.models.exists() or not list(locs.models.glob("tiny-chat*"))
    assert [e.name for e in load_registry(locs).entries] == ["gemma-3-270m"]


def test_a_second_import_under_the_same_name_is_refused(instruct_gguf, base_gguf):
    locs = locations()
    import_model(instruct_gguf, locs, name="mine")
    with pytest.raises(ModelError, match="already registered"):
        import_model(base_gguf, locs, name="mine")


def test_a_model_larger_than_free_memory_is_flagged(instruct_gguf):
    entry = import_model(instruct_gguf, locations())
    entry_path = locations().models / entry.file
    check_fits_in_ram(entry, entry_path, free_mb=entry.min_ram_mb)
    with pytest.raises(ModelTooLarge) as info:
        check_fits_in_ram(entry, entry_path, free_mb=entry.min_ram_mb - 1)
    assert "tiny-chat" in info.value.what and "smaller model" in info.value.fix


def test_cli_import_list_verify_remove(instruct_gguf, capsys):
    assert main(["models", "import", str(instruct_gguf), "--use"]) == 0
    assert "imported tiny-chat" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "* tiny-chat" in listing and "auto->instruct" in listing
    copy = locations().models / instruct_gguf.name
    copy.write_bytes(copy.read_bytes()[:-1] + b"\x01")  # one flipped byte, same size
    assert main(["models", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN  tiny-chat" in out and "sha256" in out
    assert main(["models", "remove", "tiny-chat"]) == 0
    assert not copy.exists() and load_registry(locations()).active_name == "gemma-3-270m"
    assert main(["models", "remove", "gemma-3-270m"]) == 2  # bundled: refused with a reason
    assert "cannot be removed" in capsys.readouterr().err


def test_a_broken_registry_file_is_named(simdesk_home):
    locs = locations().ensure()
    user_registry_path(locs).write_text('[[model]]\nname = "x"\nfile = "x.gguf"\nkind = "chat"\n')
    with pytest.raises(ModelError) as info:
        load_registry(locs)
    assert str(user_registry_path(locs)) in info.value.what and "sha256" in info.value.what


@pytest.mark.model
def test_verify_passes_for_the_default_model(default_model):
    results = verify_models(locations())
    assert [(e.name, err) for e, err in results] == [("gemma-3-270m", None)]
