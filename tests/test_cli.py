import os
import subprocess
import sys
from pathlib import Path

from simdesk.cli import main


def test_cases_validate_reports_broken_files(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nmeta: {}\n")
    assert main(["cases", "validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and str(broken) in out and "0 valid, 1 broken" in out


def test_cases_validate_passes_the_bundled_library(capsys):
    assert main(["cases", "validate"]) == 0
    assert " 0 broken" in capsys.readouterr().out


def test_console_entry_point_runs():
    exe = Path(sys.executable).with_name("simdesk")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("simdesk ")


def test_python_m_simdesk_is_the_simdesk_command(simdesk_home):
    """``python -m simdesk`` runs the console script's entry point (it printed nothing and did
    nothing before ``simdesk/__main__.py`` existed)."""
    env = {**os.environ, "SIMDESK_HOME": str(simdesk_home)}
    run = [sys.executable, "-m", "simdesk"]
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, timeout=60,
                             env=env)  # fmt: skip
    assert version.returncode == 0 and version.stdout.startswith("simdesk "), version.stderr
    helped = subprocess.run([*run, "--help"], capture_output=True, text=True, timeout=120,
                            env=env)  # fmt: skip
    assert helped.returncode == 0 and "usage: simdesk" in helped.stdout
    assert "gui" in helped.stdout and "cases" in helped.stdout
