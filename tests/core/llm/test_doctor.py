"""``simdesk doctor``: machine, models, database, cases, and the loaded model's time and memory."""

from __future__ import annotations

import re

import pytest

from simdesk.cli import main
from simdesk.core.llm.registry import import_model
from simdesk.core.paths import locations
from simdesk.core.store.profiles import ProfileManager
from tests.conftest import FAST_KDF


@pytest.mark.model
def test_doctor_reports_the_machine_and_the_running_model(default_model, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^CPU .*\d+ physical cores", out, re.MULTILINE)
    assert re.search(r"^RAM .*MB free of", out, re.MULTILINE)
    assert "gemma-3-270m: ok" in out and re.search(r"^cases +\d+ valid, 0 broken", out, re.M)
    assert re.search(r"^database +none yet", out, re.MULTILINE)
    assert not list(locations().config.glob("*"))  # nothing created by looking
    load = re.search(
        r"^load .*\(base, context 2048, \d threads\) in ([\d.]+) s, \+(\d+) MB", out, re.M
    )
    assert load and float(load.group(1)) > 0 and int(load.group(2)) > 50
    assert re.search(r"in its own process on CPU variant '[a-z0-9]+'", out)
    assert re.search(r"^reply .*[\d.]+ tokens/s; simdesk \d+ MB", out, re.MULTILINE)
    assert re.search(r"^ISA +.*SSE4\.2", out, re.MULTILINE)
    assert re.search(r"^llama\.cpp +\d+ CPU variants installed; this machine uses '\w+'", out, re.M)


@pytest.mark.model
def test_doctor_names_a_damaged_model_and_fails(default_model, instruct_gguf, capsys):
    import_model(instruct_gguf, locations(), name="stick-model")
    copy = locations().models / instruct_gguf.name
    copy.write_bytes(copy.read_bytes()[:-10])
    assert main(["doctor", "--no-load"]) == 1
    out = capsys.readouterr().out
    assert "stick-model: PROBLEM" in out and str(copy) in out


@pytest.mark.model
def test_doctor_counts_the_profiles_in_the_database(default_model, capsys):
    manager = ProfileManager.for_locations(locations().ensure(), kdf=FAST_KDF)
    manager.setup_instructor("Sister Amina", "correct horse battery")
    manager.close()
    assert main(["doctor", "--no-load"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^database +1 profile\(s\) in ", out, re.MULTILINE)
    assert not re.search(r"^load ", out, re.MULTILINE)


@pytest.mark.model
def test_doctor_names_a_cpu_variant_that_dies_here_as_a_finding(default_model, capsys, monkeypatch):
    from simdesk.core.llm.cpu import VARIANTS, amx_granted, cpu_flags

    monkeypatch.setenv("SIMDESK_CPU_VARIANT", "sapphirerapids")  # tried first, as a user might
    assert main(["doctor"]) == 0  # a variant that dies is a finding, and doctor goes on
    out = capsys.readouterr().out
    used = re.search(r"in its own process on CPU variant '(\w+)'", out).group(1)
    if used == "sapphirerapids":
        assert amx_granted()
        pytest.skip("AMX really runs on this machine: no variant dies here")
    lacking = [flag for flag in VARIANTS["sapphirerapids"] if flag not in cpu_flags()]
    if lacking:  # not even tried: the CPU plainly lacks a flag it needs, and doctor says which
        named = re.escape(", ".join(lacking))
        assert re.search(r"^llama\.cpp .*'sapphirerapids': SIMDESK_CPU_VARIANT names it, but "
                         rf"the CPU lacks {named}", out, re.M)  # fmt: skip
    else:  # advertised but not granted: tried, killed by SIGILL in its child, retried lower
        assert re.search(
            r"^llama\.cpp .*'sapphirerapids' died with an illegal instruction", out, re.M
        )
    assert re.search(r"^reply .*tokens/s", out, re.MULTILINE)
