"""The bad-input corpus through the page's upload path (Streamlit AppTest).

The same files as the CLI corpus (tests/test_bad_inputs.py) and the degraded
real footage (tests/test_degraded_footage.py), uploaded on the "Analyse a
video" page. Each asserts what the user sees: one specific error, or the
results with the specific warning; never an exception, and nothing of a
failed analysis kept. The annotated video is rendered, as on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .. import degrade
from ..conftest import BUNDLED_CLIP, REPO, shared_clip
from ..test_bad_inputs import (
    _audio,
    _no_frames,
    _still,
    _truncated,
    _unknown_codec,
    corrupt_middle,
    ffmpeg,
    make_testsrc,
)

pytestmark = pytest.mark.slow

PAGE = REPO / "formcoach" / "app" / "upload_page.py"
LUNGES = "rnhrn/banded_reverse_lunges_side.mp4"


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path / "home"))


def run_page(path: Path, name: str, exercise: str = "reverse-lunge") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=300).run()
    at.selectbox(key="upload_exercise").set_value(exercise).run()
    at.file_uploader[0].upload(name, path.read_bytes(), "video/mp4")
    at.run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def vfr(path: Path) -> Path:
    """Variable frame rate: frames dropped unevenly, real timestamps kept."""
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "2",
           "-vf", "select='not(mod(n\\,3))+between(n\\,20\\,30)'", "-vsync", "vfr",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    return path


# -- files that cannot be analysed: one specific message ----------------------

ERRORS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("zero-bytes", lambda p: (p.write_bytes(b""), p)[1], "is empty (0 bytes)"),
    ("text", lambda p: (p.write_text("lunges\n" * 99), p)[1], "not a readable video"),
    (
        "random-bytes",
        lambda p: (p.write_bytes(bytes(range(256)) * 200), p)[1],
        "not a readable video",
    ),
    ("png", _still("png"), "PNG still image"),
    ("jpeg", _still("mjpeg"), "still image"),
    ("audio-only", _audio, "has no video stream"),
    ("no-frames", _no_frames, "has no video stream"),
    ("unsupported-codec", _unknown_codec, "uses a video codec FormCoach cannot"),
]


@pytest.mark.parametrize(
    "make, message", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_unusable_upload_gives_one_specific_message(tmp_path, make, message):
    at = run_page(make(tmp_path / "input.mp4"), "my video.mp4")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and message in errors[0], errors
    assert errors[0].startswith("my video.mp4")  # the user's name, not a temp path
    assert "work_dir" not in at.session_state  # nothing of it kept
    assert not at.metric


def test_truncated_upload(tmp_path):
    at = run_page(_truncated(tmp_path / "input.mp4"), "cut.mp4", "backward-walk")
    errors = [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    assert (errors and "not a readable video" in errors[0]) or any(
        "could not be decoded" in w for w in warnings
    ), (errors, warnings)


# -- odd or degraded videos: results, with the warning that explains ----------

SYNTHETIC: list[tuple[str, Callable[[Path], Path], str]] = [
    ("short", lambda p: make_testsrc(p, seconds=0.5), "too short"),
    ("one-frame", lambda p: make_testsrc(p, seconds=1 / 30), "too short"),
    ("tiny", lambda p: make_testsrc(p, size="64x64"), "No person was found"),
    ("4k", lambda p: make_testsrc(p, size="3840x2160", seconds=0.4), "No person"),
    ("60fps", lambda p: make_testsrc(p, rate=60), "No person was found"),
    ("120fps", lambda p: make_testsrc(p, rate=120), "No person was found"),
    (
        "10-bit",
        lambda p: make_testsrc(p, extra=("-pix_fmt", "yuv420p10le")),
        "No person was found",
    ),
    ("vfr", vfr, "No person was found"),
    ("corrupt-middle", corrupt_middle, "could not be decoded"),
]


@pytest.mark.parametrize(
    "make, message", [c[1:] for c in SYNTHETIC], ids=[c[0] for c in SYNTHETIC]
)
def test_odd_upload_gives_results_with_a_warning(tmp_path, make, message):
    at = run_page(make(tmp_path / "input.mp4"), "odd.mp4", "backward-walk")
    assert not at.error, [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    assert any(message in w for w in warnings), warnings
    assert at.session_state["report"]["video"]["path"] == "odd.mp4"


REAL: list[tuple[str, Callable[[Path, Path], Path], str | None, int | None]] = [
    ("portrait-phone", degrade.portrait_phone, None, 2),
    ("no-person", degrade.no_person, "No person was found", 0),
    ("upper-body", degrade.upper_body, "foot landings cannot be judged", 0),
    ("very-dark", degrade.very_dark, "very dark", None),
    ("overexposed", degrade.overexposed, "overexposed", 2),
    ("backlit", degrade.backlit, "The light is behind you", 2),
    ("sideways", degrade.sideways, "filmed sideways", 2),
    ("tilted", degrade.tilted, None, 2),  # levelled (issue #15)
]


@pytest.mark.parametrize(
    "make, message, reps", [c[1:] for c in REAL], ids=[c[0] for c in REAL]
)
def test_degraded_real_footage_upload(tmp_path, make, message, reps):
    clip = degrade.first_two_reps(shared_clip(LUNGES), tmp_path / "two.mp4")
    at = run_page(make(clip, tmp_path / "input.mp4"), "lunges.mp4")
    assert not at.error, [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    if message is None:
        assert warnings == []
    else:
        assert any(message in w for w in warnings), warnings
    report = at.session_state["report"]
    if reps is not None:
        assert report["summary"]["rep_count"] == reps
        assert at.metric[0].value == str(reps)


def test_leave_and_return_upload(tmp_path):
    video = degrade.leave_and_return(shared_clip(LUNGES), tmp_path / "input.mp4")
    at = run_page(video, "lunges.mp4")
    assert any("No one was in view from 5.7" in w.value for w in at.warning)
    assert at.session_state["report"]["summary"]["rep_count"] == 4


@pytest.mark.parametrize(
    "name",
    ["my set (1).mp4", "сет_выпады 🏋.mp4", "a;b&c$(d)'e\".mp4", "../../../x.mp4"],
)
def test_awkward_upload_names(tmp_path, name):
    at = run_page(make_testsrc(tmp_path / "in.mp4"), name, "backward-walk")
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["report"]["video"]["path"] == name  # shown as given
    work = Path(at.session_state["work_dir"])
    files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*"))
    assert files == ["out", "out/annotated.mp4", "out/frames.csv", "out/report.json"]


def test_two_people_main_subject_from_settings(tmp_path):
    """Settings (saved by the Settings page) reach the page's analysis."""
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("[pose]\nnum_poses = 2\n")
    at = run_page(BUNDLED_CLIP, "park.mp4", "backward-walk")
    assert not at.error
    summary = at.session_state["report"]["summary"]
    assert summary["direction_of_travel"] == "forward"  # the walker, not the man
    assert 90 <= summary["cadence_spm"] <= 106


def test_analysis_time_limit_on_the_page(tmp_path):
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("[analysis]\nmax_seconds = 1.0\n")
    at = run_page(BUNDLED_CLIP, "long.mp4", "backward-walk")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "The analysis was stopped after 1 s" in errors[0]
    assert "work_dir" not in at.session_state
