"""The upload page takes landmark files (.bvh, .trc) too."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from .app.test_pages import PAGES, upload
from .conftest import SHARED


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path / "home"))


@pytest.mark.shared
@pytest.mark.parametrize("camera", ["front", "side"])
def test_upload_page_analyses_a_bvh_with_the_chosen_camera(camera):
    clip = SHARED / "mocap" / "dataset-1_walk-back_normal_001.bvh"
    if not clip.is_file():
        pytest.skip(f"motion capture not available: {clip} (../shared is absent)")
    at = AppTest.from_file(str(PAGES / "upload_page.py"), default_timeout=120).run()
    at.selectbox(key="upload_camera").set_value(camera).run()
    upload(at, "walk.bvh", clip.read_bytes())
    assert not at.exception and not at.error
    report = at.session_state["report"]
    assert report["landmark_input"]["camera"]["view"] == camera
    assert report["video"]["path"] == "walk.bvh"


def test_upload_page_refuses_an_empty_trc_in_one_line():
    at = AppTest.from_file(str(PAGES / "upload_page.py"), default_timeout=60).run()
    upload(at, "markers.trc", b"")
    assert [e.value for e in at.error] == ["markers.trc is empty"]
    assert "work_dir" not in at.session_state
