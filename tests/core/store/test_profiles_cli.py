"""``simdesk profiles …`` and ``simdesk audit``: passphrases from stdin, never from argv."""

from __future__ import annotations

import io
import random
import re

import pytest

from simdesk.cli import main
from simdesk.core.clock import utc_now
from simdesk.core.paths import locations
from simdesk.core.store.profiles import ProfileManager
from tests.conftest import FAST_KDF

TEACHER, LEARNER, NEW = "teacher passphrase", "learner passphrase", "another passphrase"


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    """The real commands, on cheap Argon2id settings (key derivation is tested elsewhere)."""
    monkeypatch.setattr(
        "simdesk.cli.profiles._manager",
        lambda: ProfileManager.for_locations(locations().ensure(), kdf=FAST_KDF),
    )


def run(monkeypatch, capsys, argv: list[str], *lines: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_profile_commands_end_to_end(monkeypatch, capsys, tmp_path):
    assert run(monkeypatch, capsys, ["profiles", "list"])[1].startswith("No profiles yet")
    assert run(monkeypatch, capsys, ["profiles", "setup", "Teacher"], TEACHER)[0] == 0
    code, out = run(monkeypatch, capsys, ["profiles", "create", "Amina"], TEACHER, LEARNER)
    assert code == 0 and "Created learner profile Amina" in out
    code, out = run(monkeypatch, capsys, ["profiles", "list"])
    assert "Amina" in out and "learner" in out and "instructor" in out
    code, out = run(monkeypatch, capsys, ["profiles", "passwd", "Amina"], "wrong passphrase", NEW)
    assert code == 2 and "not correct" in out
    assert run(monkeypatch, capsys, ["profiles", "passwd", "Amina"], LEARNER, NEW)[0] == 0
    assert run(monkeypatch, capsys, ["profiles", "reset", "Amina"], TEACHER, LEARNER)[0] == 0
    assert run(monkeypatch, capsys, ["profiles", "rotate-key", "Amina"], LEARNER)[0] == 0
    code, out = run(monkeypatch, capsys, ["profiles", "report", "Amina"], TEACHER)
    assert code == 0 and "0 attempts by Amina" in out
    export = tmp_path / "amina.simdesk-profile"
    assert run(monkeypatch, capsys, ["profiles", "export", "Amina", str(export)], LEARNER)[0] == 0
    code, out = run(
        monkeypatch, capsys, ["profiles", "import", str(export), "--name", "Amina Two"], LEARNER
    )
    assert code == 0 and "Restored Amina Two" in out
    assert run(monkeypatch, capsys, ["profiles", "delete", "Amina Two"], LEARNER)[0] == 0
    code, out = run(
        monkeypatch, capsys, ["profiles", "delete", "Amina", "--as-instructor"], TEACHER
    )
    assert code == 0 and "Deleted profile Amina" in out
    code, out = run(monkeypatch, capsys, ["audit"], "not the teacher")
    assert code == 2 and "not correct" in out
    code, out = run(monkeypatch, capsys, ["audit"], TEACHER)
    assert code == 0
    for action in ("failed unlock", "passphrase change", "recovery", "export", "deletion"):
        assert action in out
    assert LEARNER not in out and TEACHER not in out


def test_passphrases_are_not_accepted_on_the_command_line(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run(monkeypatch, capsys, ["profiles", "setup", "Teacher", "--passphrase", TEACHER])


def test_instructor_reports_come_from_the_learners_encrypted_stores(monkeypatch, capsys, tmp_path):
    """Seeded, really scored attempts in two learner stores -> learner and cohort reports."""
    from datetime import datetime, timedelta

    from simdesk.core.assess.attempts import result_of, save_result
    from simdesk.core.assess.scoring import score
    from tests.core.assess.seeded import bundled_cases, play_script, script_for

    assert run(monkeypatch, capsys, ["profiles", "setup", "Teacher"], TEACHER)[0] == 0
    manager = ProfileManager.for_locations(locations().ensure(), kdf=FAST_KDF)
    instructor = manager.unlock_instructor(TEACHER)
    cases = bundled_cases()[:3]
    for learner, skill in (("Amina", 0.9), ("Baraka", 0.2)):
        store = manager.create(learner, LEARNER, instructor)
        for n, case in enumerate(cases):
            encounter = play_script(case, script_for(case, random.Random(n), skill), seed=n)
            attempt = store.start_attempt(case.meta.id, case.meta.version)
            store.append_events(attempt, encounter.events)
            when = datetime(2026, 11, 1) + timedelta(days=n)
            result = result_of(case, score(case, encounter.events), when, attempt_id=attempt)
            save_result(store, attempt, result, encounter.events[-1])
        store.close()
    manager.close()

    page = tmp_path / "amina.html"
    code, out = run(
        monkeypatch, capsys, ["profiles", "report", "Amina", "--out", str(page)], TEACHER
    )
    assert code == 0 and "3 attempts by Amina" in out and "NOT encrypted" in out
    html = page.read_text()
    assert "Progress of Amina" in html and "<svg" in html
    assert all(case.meta.id in html or case.meta.title in html for case in cases)
    # The same report as the window's export (app.reports): next cases included, UTC time.
    assert "Recommended next" in html
    generated = re.search(r"Generated (\d{4}-\d\d-\d\d \d\d:\d\d)", html).group(1)
    assert abs(datetime.strptime(generated, "%Y-%m-%d %H:%M") - utc_now()) < timedelta(minutes=5)

    cohort = tmp_path / "cohort.csv"
    code, out = run(monkeypatch, capsys, ["profiles", "cohort", str(cohort)], TEACHER)
    assert code == 0 and "2 learners, 6 scored attempts" in out
    rows = cohort.read_text().splitlines()
    assert any(r.startswith("Amina") for r in rows) and any(r.startswith("Baraka") for r in rows)
    code, out = run(monkeypatch, capsys, ["profiles", "cohort", str(tmp_path / "c.html")], "nope")
    assert code == 2 and not (tmp_path / "c.html").exists()
