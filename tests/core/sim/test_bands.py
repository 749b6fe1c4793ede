"""The vital-sign bands as data: the bundled file's limits by age, and a bad file's errors."""

from __future__ import annotations

import re

import pytest

from simdesk.core.cases.catalog import default_catalog_dir
from simdesk.core.cases.problems import CaseInvalid
from simdesk.core.sim.bands import ALARM, NORMAL, VITALS, WARNING, bands_for, load_vital_bands

BUNDLED = default_catalog_dir() / "vital_bands.yaml"


def test_the_bundled_bands_cover_every_vital_at_every_age():
    bands = load_vital_bands(BUNDLED)
    assert bands.source
    for age in (0, 0.5, 1, 4.9, 5, 11.9, 12, 40, 95):
        found = bands_for(age)
        assert set(found) == set(VITALS)
        for band in found.values():
            assert band.alarm_low <= band.low < band.high <= band.alarm_high


def test_a_babys_heart_rate_is_normal_where_an_adults_alarms():
    assert bands_for(0.5)["heart_rate"].level(150) == NORMAL
    assert bands_for(30)["heart_rate"].level(150) == ALARM
    assert bands_for(30)["heart_rate"].level(110) == WARNING
    assert bands_for(30)["spo2"].level(88) == ALARM


def _write(tmp_path, old: str, new: str):
    path = tmp_path / "vital_bands.yaml"
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = 1 + text[: text.index(old)].count("\n")
    return path, line


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("normal: [60, 100], alarm: [45, 130]", "normal: [60, 100], alarm: [65, 130]",
         "normal 60-100 must lie inside alarm 65-130"),
        ("{below_age_years: 5, normal: [90, 140]", "{below_age_years: 0.5, normal: [90, 140]",
         "ages must rise (after 1)"),
        ("  - {normal: [12, 20], alarm: [8, 28]}",
         "  - {below_age_years: 120, normal: [12, 20], alarm: [8, 28]}",
         "the last row must leave out below_age_years"),
        ("spo2:  # percent", "sp02:  # percent", "unknown key 'sp02' - did you mean 'spo2'?"),
    ],
)  # fmt: skip
def test_a_bad_bands_file_is_refused_with_file_and_line(tmp_path, old, new, reason):
    path, line = _write(tmp_path, old, new)
    with pytest.raises(CaseInvalid) as caught:
        load_vital_bands(path)
    message = str(caught.value)
    assert reason in message
    assert re.search(rf"{re.escape(str(path))}:{line}: ", message), message
