"""The desktop bundle's pieces that run inside pytest: frozen paths, the shipped model, the
self-test, and the spec's rules (packaging/bundle_parts.py). The bundle itself is built and
checked by packaging/ci_bundle.sh."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from simdesk.cli.selftest import SelfTest
from simdesk.core.assess import terminology
from simdesk.core.errors import ModelCorrupt
from simdesk.core.llm.model_files import ensure_default_model
from simdesk.core.llm.registry import bundled_registry_path
from simdesk.core.paths import bundled_cases_dir, project_root

ROOT = project_root()
MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"


def _bundle_parts():
    path = ROOT / "packaging" / "bundle_parts.py"
    spec = importlib.util.spec_from_file_location("bundle_parts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def frozen(tmp_path, monkeypatch):
    """Run as a PyInstaller bundle would: sys.frozen set, its files in sys._MEIPASS."""
    bundle = tmp_path / "bundle" / "_internal"
    (bundle / "models").mkdir(parents=True)
    shutil.copytree(ROOT / "cases", bundle / "cases")
    shutil.copy(ROOT / "models" / "models.toml", bundle / "models")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def test_a_frozen_app_reads_cases_and_registry_from_its_bundle(frozen):
    assert bundled_cases_dir() == frozen / "cases"
    assert bundled_registry_path() == frozen / "models" / "models.toml"


def test_the_bundled_model_is_used_in_place_and_its_check_remembered(
    frozen, tmp_path, assembled_model
):
    shipped = frozen / "models" / MODEL_NAME
    os.link(assembled_model, shipped)
    models = tmp_path / "user-models"
    assert ensure_default_model(models) == shipped
    assert not (models / MODEL_NAME).exists()  # no second copy in the data folder
    assert (models / f"{MODEL_NAME}.bundled.verified").is_file()
    assert not (frozen / "models" / f"{MODEL_NAME}.verified").exists()  # bundle left untouched


def test_a_damaged_bundled_model_is_named_with_the_fix(frozen, tmp_path):
    (frozen / "models" / MODEL_NAME).write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(ModelCorrupt) as caught:
        ensure_default_model(tmp_path / "user-models")
    assert MODEL_NAME in caught.value.what and "Reinstall simdesk" in caught.value.fix


def test_self_test_names_the_failed_step_and_leaves_nothing(tmp_path, monkeypatch):
    empty = tmp_path / "no-cases"
    empty.mkdir()
    monkeypatch.setenv("SIMDESK_CASES", str(empty))
    out = io.StringIO()
    test = SelfTest(out=out)
    assert test.run() == 1
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("[ ok ] profile")
    assert lines[2].startswith("[FAIL] cases") and str(empty) in lines[2]
    assert lines[-1] == "self-test FAILED at step 'cases'"
    assert not test.home.exists()
    assert os.environ["SIMDESK_HOME"] != str(test.home)  # the caller's environment is restored


def test_self_test_fails_at_the_model_step_on_a_damaged_bundle(frozen):
    (frozen / "models" / MODEL_NAME).write_bytes(b"GGUF" + b"\0" * 1000)
    out = io.StringIO()
    assert SelfTest(out=out).run() == 1
    text = out.getvalue()
    assert "[ ok ] cases" in text and "[FAIL] model" in text and "Reinstall simdesk" in text
    assert text.splitlines()[-1] == "self-test FAILED at step 'model'"


def test_self_test_fails_at_the_readers_step_when_a_terminology_is_missing(monkeypatch):
    # a bundle that left out the ICD-10-CM tabular list would read diagnoses less well, silently
    monkeypatch.setattr(terminology, "_tabular", lambda: None)
    out = io.StringIO()
    assert SelfTest(out=out).run() == 1
    text = out.getvalue()
    assert "[ ok ] cases" in text and "[FAIL] readers" in text and "ICD-10-CM" in text
    assert text.splitlines()[-1] == "self-test FAILED at step 'readers'"


@pytest.mark.model
def test_self_test_passes_on_the_real_model():
    out = io.StringIO()
    assert SelfTest(out=out).run() == 0, out.getvalue()
    text = out.getvalue()
    steps = ("profile", "cases", "readers", "model", "question 1", "question 2", "question 3")
    for step in (*steps, "score"):
        assert f"[ ok ] {step}" in text
    assert "in its own process" in text
    assert "self-test passed" in text.splitlines()[-1]


# -- the spec's rules ---------------------------------------------------------------------------


def test_the_spec_drops_unused_qt_and_desktop_libraries_but_keeps_the_runtime():
    parts = _bundle_parts()
    toc = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/v/PySide6/Qt/translations/qtbase_de.qm", "DATA"),
        ("PySide6/Qt/plugins/platforms/libqwayland-egl.so", "/v/x.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/v/libqxcb.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/v/libqoffscreen.so", "BINARY"),
        ("libgtk-3.so.0", "/usr/lib/x86_64-linux-gnu/libgtk-3.so.0", "BINARY"),
        ("libfontconfig.so.1", "/usr/lib/x86_64-linux-gnu/libfontconfig.so.1", "BINARY"),
        ("libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "BINARY"),
        ("libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "BINARY"),
        ("libpython3.11.so.1.0", "/usr/lib/libpython3.11.so.1.0", "BINARY"),
        ("llama_cpp/lib/libggml-cpu-x64.so", "/v/llama_cpp/lib/libggml-cpu-x64.so", "BINARY"),
    ]
    kept = [dest for dest, *_ in parts.keep(toc)]
    expected = [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "llama_cpp/lib/libggml-cpu-x64.so",
    ]
    if parts.LINUX:
        expected[2:2] = ["libstdc++.so.6", "libssl.so.3", "libpython3.11.so.1.0"]
    assert kept == expected


def test_the_spec_collects_the_migrations_as_files():
    found = {
        Path(src).relative_to(ROOT / "src").as_posix()
        for src, _ in _bundle_parts().package_data(ROOT / "src")
    }
    versions = ROOT / "src" / "simdesk" / "core" / "store" / "migrations" / "versions"
    wanted = {f"simdesk/core/store/migrations/versions/{p.name}" for p in versions.glob("*.py")}
    assert wanted <= found
    assert "simdesk/core/store/migrations/env.py" in found
    assert "simdesk/ui/help/tour.md" in found
    # The MONDO table diagnosis synonyms read (core.assess.terminology._mondo_table).
    mondo = sorted((ROOT / "src" / "simdesk" / "core" / "assess" / "data").glob("mondo-*.tsv.gz"))
    assert mondo and f"simdesk/core/assess/data/{mondo[-1].name}" in found
    # The UBERON table body parts are renamed by (core.assess.terminology._uberon_table).
    uberon = sorted((ROOT / "src" / "simdesk" / "core" / "assess" / "data").glob("uberon-*.gz"))
    assert uberon and f"simdesk/core/assess/data/{uberon[-1].name}" in found
    assert not any(p.startswith("simdesk/cli/") for p in found)  # code goes in the archive
    assert not any(p.startswith("simdesk/hub/") for p in found)  # the hub is not bundled


def test_the_strip_check_refuses_a_library_that_would_not_load(tmp_path):
    parts = _bundle_parts()
    real = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    library = next(real.glob("lib-dynload/math*.so"), None)
    if library is None:
        pytest.skip("no lib-dynload here")
    assert parts._loadable(library)
    data = bytearray(library.read_bytes())
    import struct

    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == 1:  # the first PT_LOAD: shift its offset
            offset = struct.unpack_from("<Q", data, at + 8)[0]
            struct.pack_into("<Q", data, at + 8, offset + 8)
            break
    broken = tmp_path / "broken.so"
    broken.write_bytes(bytes(data))
    assert not parts._loadable(broken)
