from pathlib import Path

from simdesk.core.paths import bundled_cases_dir, locations


def test_simdesk_home_overrides_every_location(simdesk_home: Path):
    locs = locations().ensure()
    for folder in (locs.data, locs.config, locs.cache, locs.logs, locs.models, locs.profiles):
        assert folder.is_relative_to(simdesk_home)
        assert folder.is_dir()


def test_without_simdesk_home_uses_platform_dirs(monkeypatch, tmp_path):
    monkeypatch.delenv("SIMDESK_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert locations().data == tmp_path / "xdg-data" / "simdesk"


def test_bundled_cases_found():
    assert any(bundled_cases_dir().glob("*.yaml"))
