"""Real footage under real-world problems: each gives a report that says so.

The degraded copies are made at test time (tests/degrade.py) from the first
4.5 s of the banded reverse-lunge clip: 2 complete reverse lunges. Each case
asserts the outcome a user
should get: the reps that can still be counted and the warning that explains
what went wrong, never a crash or a silent wrong answer.
"""

from __future__ import annotations

import pytest

from . import degrade
from .conftest import shared_clip
from .test_bad_inputs import analyze, warning_codes

pytestmark = pytest.mark.slow

LUNGES = "rnhrn/banded_reverse_lunges_side.mp4"


def lunge_report(tmp_path, capsys, make, *more: str, whole_clip=False) -> dict:
    clip = shared_clip(LUNGES)
    if not whole_clip:
        clip = degrade.first_two_reps(clip, tmp_path / "two_reps.mp4")
    video = make(clip, tmp_path / "degraded.mp4")
    code, err, report = analyze(
        capsys, video, tmp_path / "out", "-e", "reverse-lunge", "--no-video", *more
    )
    assert code == 0, err
    return report


def test_the_undegraded_clip_has_no_input_warnings(tmp_path, capsys):
    """The baseline: none of the warnings below fires on the clip itself."""
    report = lunge_report(tmp_path, capsys, lambda src, out: src)
    assert report["summary"]["rep_count"] == 2
    assert warning_codes(report) == set()


def test_no_person_in_a_real_room(tmp_path, capsys):
    report = lunge_report(tmp_path, capsys, degrade.no_person)
    assert warning_codes(report) == {"pose.no_person"}
    assert report["summary"]["rep_count"] == 0


def test_person_leaves_and_comes_back(tmp_path, capsys):
    """Reps before and after are counted; the 2 s without him is reported.

    He leaves at the bottom of his third rep: it stays a partial rep and is
    not completed by his standing return 2 s later.
    """
    report = lunge_report(tmp_path, capsys, degrade.leave_and_return, whole_clip=True)
    assert report["summary"]["rep_count"] == 4  # 2 before he leaves, 2 after
    assert report["summary"]["partial_reps"] == 1
    complete = [r for r in report["reps"] if r["complete"]]
    assert not any(r["start_s"] < 6.5 < r["end_s"] for r in complete)  # none spans it
    lost = [w for w in report["warnings"] if w["code"] == "pose.person_lost"]
    assert len(lost) == 1
    assert 5.6 <= lost[0]["t_s"] <= 5.8  # he is gone after 5.7 s
    assert "No one was in view from 5.7 to 7." in lost[0]["message"]  # 2 s gone


def test_upper_body_only(tmp_path, capsys):
    """No legs in the picture: no reps invented, and the report says why."""
    report = lunge_report(tmp_path, capsys, degrade.upper_body)
    assert report["summary"]["rep_count"] == 0
    assert {"pose.low_coverage", "pose.feet_not_visible"} <= warning_codes(report)


@pytest.mark.parametrize(
    "make, code",
    [
        (degrade.overexposed, "video.overexposed"),
        (degrade.backlit, "video.backlit"),
    ],
    ids=["overexposed", "backlit"],
)
def test_poor_light_is_reported(tmp_path, capsys, make, code):
    report = lunge_report(tmp_path, capsys, make)
    assert code in warning_codes(report)
    # The model still finds him; the reps are counted, with the caveat.
    assert report["summary"]["rep_count"] == 2


def test_very_dark_is_reported(tmp_path, capsys):
    """At brightness 36 of 255 the landmarks degrade: the report must say so.

    Both lunges are still found, but the first is judged a forward lunge
    (its rear foot is lost in the dark), so the warning that tells the user
    to check the results is what matters here.
    """
    report = lunge_report(tmp_path, capsys, degrade.very_dark)
    assert "video.too_dark" in warning_codes(report)
    summary = report["summary"]
    assert summary["rep_count"] >= 1
    assert summary["rep_count"] + summary["forward_lunges"] == 2  # none invented


def test_sideways_video_is_turned_upright(tmp_path, capsys):
    """Filmed with the phone on its side and no rotation metadata."""
    report = lunge_report(tmp_path, capsys, degrade.sideways)
    assert "camera.rotated" in warning_codes(report)
    assert "turned 270 deg clockwise" in " ".join(
        w["message"] for w in report["warnings"]
    )
    assert report["summary"]["rep_count"] == 2
    assert report["summary"]["partial_reps"] == 0


def test_sideways_video_without_auto_rotate_can_be_turned_by_hand(tmp_path, capsys):
    report = lunge_report(
        tmp_path,
        capsys,
        degrade.sideways,
        "--set",
        "video.auto_rotate=false",
        "--set",
        "video.rotate_deg=270",
    )
    assert "camera.rotated" not in warning_codes(report)
    assert report["summary"]["rep_count"] == 2


def test_rolled_camera_is_levelled_and_coached(tmp_path, capsys):
    """A phone leaning on a wall, rolled by 35 deg: levelled, reps counted."""
    report = lunge_report(tmp_path, capsys, degrade.tilted)
    assert "camera.tilted" not in warning_codes(report)
    assert report["video"]["levelled"] is True
    # 35 deg of roll plus the clip's own lean (about -5 deg, docs/accuracy.md).
    assert 25 <= abs(report["video"]["roll_deg"]) <= 45
    assert report["summary"]["rep_count"] == 2
