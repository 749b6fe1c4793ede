"""Start-up checks that run before any Qt window exists."""

from __future__ import annotations

from simdesk.ui.app import debian_package, missing_display_library


def test_library_names_map_to_debian_packages():
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


def test_no_display_check_offscreen(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert missing_display_library() is None
