"""The layer rules hold: simdesk.core imports no Qt; only simdesk.ui imports PySide6."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken" in result.stdout, result.stdout
    assert "Only the model process imports llama_cpp" in result.stdout


def test_core_imports_without_qt():
    code = (
        "import sys, simdesk.core.consultation, simdesk.core.store, simdesk.core.llm.backend, "
        "simdesk.cli; assert not any(m.startswith('PySide6') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('PySide6'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
