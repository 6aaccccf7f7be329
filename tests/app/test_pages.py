"""Page logic with Streamlit's AppTest (no browser): upload and settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from formcoach.app.common import load_app_config

from ..conftest import REPO, shared_clip

PAGES = REPO / "formcoach" / "app"


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path / "home"))


def _png_bytes() -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".png", np.zeros((32, 32, 3), np.uint8))
    assert ok
    return data.tobytes()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].upload(name, data, "video/mp4")
    at.run()
    at.button[0].click().run()
    return at


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.mp4", b"", "empty.mp4 is empty (0 bytes)"),
        (
            "notes.mp4",
            b"shopping list\n" * 40,
            "notes.mp4 is not a readable video file",
        ),
        ("noise.mp4", bytes(range(256)) * 64, "noise.mp4 is not a readable video file"),
        (
            "photo.mp4",
            _png_bytes(),
            "photo.mp4 is not a readable video file (it is a PNG still image)",
        ),
    ],
)
def test_bad_uploads_give_a_clear_message(name, data, message):
    at = AppTest.from_file(str(PAGES / "upload_page.py"), default_timeout=60).run()
    upload(at, name, data)
    assert [e.value for e in at.error] == [message]
    assert not at.exception
    assert not at.metric  # no results shown
    assert "work_dir" not in at.session_state  # nothing of it kept


def test_upload_over_the_size_limit(tmp_path):
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("[app]\nmax_upload_mb = 0.001\n")
    at = AppTest.from_file(str(PAGES / "upload_page.py"), default_timeout=60).run()
    upload(at, "big.mp4", b"0" * 5000)
    assert "the limit is 0 MB" in at.error[0].value


@pytest.mark.shared
@pytest.mark.slow
def test_upload_shows_reps_and_deletes_the_upload(tmp_path):
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    at = AppTest.from_file(str(PAGES / "upload_page.py"), default_timeout=300).run()
    upload(at, "my lunges.mp4", clip.read_bytes())
    assert not at.exception and not at.error
    assert [m.value for m in at.metric][:2] == ["2", "1"]
    assert len(at.dataframe) == 1
    work = at.session_state["work_dir"]
    files = sorted(p.name for p in Path(work).rglob("*") if p.is_file())
    # The upload itself is gone.
    assert files == ["annotated.mp4", "frames.csv", "report.json"]
    delete = next(b for b in at.button if b.label == "Delete these results")
    delete.click().run()
    assert not Path(work).exists()


def test_settings_are_saved_and_used(tmp_path):
    at = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    field = next(n for n in at.number_input if n.label.startswith("front_knee_max_deg"))
    field.set_value(125.0).run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert at.success and "Saved" in at.success[0].value
    assert load_app_config().get("exercises.reverse_lunge.front_knee_max_deg") == 125.0
    again = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    field = next(
        n for n in again.number_input if n.label.startswith("front_knee_max_deg")
    )
    assert field.value == 125.0  # persisted
    next(b for b in again.button if b.label == "Back to the defaults").click().run()
    assert load_app_config().get("exercises.reverse_lunge.front_knee_max_deg") == 120.0


def test_delete_all_my_data_from_the_page(tmp_path):
    from formcoach.history import History
    from formcoach.paths import data_dir

    History().save({"schema_version": 1, "exercise": "reverse-lunge", "summary": {}})
    assert list(data_dir().iterdir())
    at = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    button = next(b for b in at.button if b.label == "Delete all my data")
    assert button.disabled  # needs the confirmation first
    next(c for c in at.checkbox if c.label.startswith("I want to delete")).check().run()
    next(b for b in at.button if b.label == "Delete all my data").click().run()
    assert "Nothing of yours is left" in at.success[-1].value
    assert list(data_dir().iterdir()) == []


def test_settings_page_lists_every_config_section():
    import tomllib

    defaults = tomllib.loads(
        (REPO / "formcoach" / "config" / "default.toml").read_text()
    )
    at = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    options = list(at.selectbox[0].options)
    for top in defaults:
        if top != "presets":
            assert any(o == top or o.startswith(f"{top}.") for o in options), top
    for name in defaults["exercises"]:
        assert f"exercises.{name}" in options
    assert "analysis" in options and "exercises.reverse_row" in options
    at.selectbox[0].select("analysis").run()
    assert any(n.label.startswith("max_seconds") for n in at.number_input)


def test_pose_model_is_chosen_on_the_settings_page():
    at = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    at.selectbox[0].select("pose").run()
    model = next(s for s in at.selectbox if s.label == "model")
    assert list(model.options) == ["full", "lite"] and model.value == "full"
    model.select("lite").run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.error, at.error[0].value
    assert load_app_config().get("pose.model") == "lite"


def test_whole_number_settings_are_saved_as_whole_numbers():
    at = AppTest.from_file(str(PAGES / "settings_page.py"), default_timeout=60).run()
    at.selectbox[0].select("video").run()
    next(n for n in at.number_input if n.label.startswith("crf")).set_value(28).run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.error, at.error[0].value
    assert load_app_config().get("video.crf") == 28
