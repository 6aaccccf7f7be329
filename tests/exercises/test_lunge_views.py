"""Reverse lunges from every view, and mirrored footage, on the real clips.

Front views are measured on the world (3D) landmarks in the body's own axes;
a mirrored copy (``ffmpeg -vf hflip``) of a side clip must give the same
counts and directions, with the legs' sides swapped (a mirror image of a
person stepping with the left leg steps with the right).
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pytest

from formcoach.exercises import ExerciseResult

from ..analysed import analysed_result
from ..conftest import shared_clip, shared_label

pytestmark = [pytest.mark.shared, pytest.mark.slow]

CURTSY_FRONT = "front/mewfit_joannasoh_curtsy_lunge_real_front_cfr25.mp4"
KNEE_DRIVE_34 = "front/mewfit_joannasoh_reverse_lunge_kneedrive_press_real_34front_cfr25.mp4"  # noqa: E501

SIDE_CLIPS = [
    "rnhrn/banded_reverse_lunges_side.mp4",
    "lunges/loseweightkotlin_reverse_lunge_real_side_60fps.mp4",
    "lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side.mp4",
    "lunges/kinkatsu_reverse_lunge_rendered.mp4",
    "lunges/kinkatsu_forward_lunge_rendered_CONTRAST.mp4",
    "lunges/vcproj_forward_lunge_real_CONTRAST.mp4",
]


def lunge_result(path: Path) -> ExerciseResult:
    return analysed_result(path, "reverse-lunge")


@cache
def mirrored(clip: str, folder: Path) -> Path:
    target = folder / (Path(clip).stem + "_hflip.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(shared_clip(clip)), "-vf", "hflip",
         "-c:v", "libx264", "-crf", "18", "-preset", "veryfast", "-an", str(target)],
        check=True,
    )  # fmt: skip
    return target


@pytest.fixture(scope="module")
def mirror_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mirrored")


def test_front_curtsy_lunges_are_counted_from_the_3d_points():
    labels = shared_label(CURTSY_FRONT.replace(".mp4", ".json"))
    result = lunge_result(shared_clip(CURTSY_FRONT))
    s = result.summary
    assert s["rep_count"] == labels["complete_reps"] == 3
    assert s["partial_reps"] == labels["partial_reps"] == 1
    assert s["forward_lunges"] == 0
    assert s["measured_in"] == "3d"
    assert s["checks_not_measurable"] == []
    complete = [r for r in result.reps if r["complete"]]
    assert all(r["direction"] == "reverse" for r in complete)
    assert all(r["variant"] == "curtsy" for r in complete)
    # The legs alternate: right, left, right (front views keep the labels).
    assert [r["stepping_leg"] for r in complete] == ["right", "left", "right"]
    fps = labels["fps"]
    for rep, label in zip(result.reps, labels["reps"], strict=True):
        start, end = label["frames"]
        assert abs(rep["start_s"] - start / fps) <= 0.5
        if not label.get("partial"):
            assert abs(rep["end_s"] - end / fps) <= 0.5
    # Frontal-plane measures exist from the front.
    assert all(r["knee_valgus_deg"] is not None for r in complete)
    assert all(r["pelvic_tilt_deg"] is not None for r in complete)


def test_reverse_lunge_to_knee_drive_from_a_three_quarter_view():
    labels = shared_label(KNEE_DRIVE_34.replace(".mp4", ".json"))
    result = lunge_result(shared_clip(KNEE_DRIVE_34))
    assert result.summary["rep_count"] == labels["complete_reps"] == 2
    assert result.summary["forward_lunges"] == 0
    fps = labels["fps"]
    complete = [r for r in result.reps if r["complete"]]
    for rep, label in zip(complete, labels["reps"], strict=True):
        start, end = label["frames"]
        assert start / fps - 0.6 <= rep["start_s"] <= end / fps
        assert start / fps <= rep["end_s"] <= end / fps + 0.6
        assert rep["direction"] == "reverse" and rep["variant"] == "standard"


def test_side_view_legs_are_named_from_depth_order():
    """The banded clip: the left (far) leg steps back every rep."""
    result = lunge_result(shared_clip("rnhrn/banded_reverse_lunges_side.mp4"))
    assert [r["stepping_leg"] for r in result.reps] == ["left"] * 3
    assert {r["leg_evidence"] for r in result.reps} == {"depth order"}


@pytest.mark.parametrize("clip", SIDE_CLIPS)
def test_a_mirrored_side_clip_gives_the_same_counts_and_directions(clip, mirror_dir):
    original = lunge_result(shared_clip(clip))
    flipped = lunge_result(mirrored(clip, mirror_dir))
    keys = ("rep_count", "partial_reps", "forward_lunges", "split_squat_reps")
    assert {k: flipped.summary[k] for k in keys} == {
        k: original.summary[k] for k in keys
    }
    assert [r["direction"] for r in flipped.reps] == [
        r["direction"] for r in original.reps
    ]
    swap = {"left": "right", "right": "left", "unknown": "unknown"}
    named = [
        (swap[a["stepping_leg"]], b["stepping_leg"])
        for a, b in zip(original.reps, flipped.reps, strict=True)
        if a["leg_evidence"] == b["leg_evidence"] == "depth order"
    ]
    assert all(a == b for a, b in named), named
