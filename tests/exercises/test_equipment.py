"""Backward cycling and reverse rowing on hand-built trajectories with known
answers, and cycling on the one real trainer clip in ../shared (and its mirror
image)."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from formcoach.exercises import create_coach
from formcoach.landmarks import NUM_LANDMARKS
from formcoach.landmarks import Landmark as L
from formcoach.pipeline import run_coach
from formcoach.pose import PoseFrame
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline

from ..conftest import shared_clip, shared_label

SEG = 200.0  # thigh = shank = 200 px


def ik(hip, ankle, up: bool):
    """Knee for given hip and ankle (segments SEG), bending up or forward (+x)."""
    hip, ankle = np.asarray(hip, float), np.asarray(ankle, float)
    d = min(np.linalg.norm(ankle - hip), 2 * SEG - 1e-6)
    mid = (hip + ankle) / 2
    h = math.sqrt(max(SEG**2 - (d / 2) ** 2, 0.0))
    along = (ankle - hip) / np.linalg.norm(ankle - hip)
    perp = np.array([-along[1], along[0]])
    if (up and perp[1] > 0) or (not up and perp[0] < 0):
        perp = -perp
    return mid + h * perp


def frame(points: dict, i: int, fps: float, mirror: bool = False) -> PoseFrame:
    xy = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
    for k, p in points.items():
        xy[k] = p
    missing = np.isnan(xy[:, 0])
    xy[missing] = xy[L.NOSE]
    if mirror:
        xy[:, 0] = 1280 - xy[:, 0]
    vis = np.full(NUM_LANDMARKS, 0.99, np.float32)
    vis[L.RIGHT_ANKLE] = 0.6  # the far leg is seen less well
    return PoseFrame(
        i,
        i / fps * 1000,
        (1280, 1000),
        xy,
        np.zeros(NUM_LANDMARKS, np.float32),
        np.zeros((NUM_LANDMARKS, 3), np.float32),
        vis,
        np.ones(NUM_LANDMARKS, np.float32),
    )


def body_points(hip, shoulder, feet, knees_up=False, elbow=None, wrist=None):
    pts = {}
    for side, foot in zip(("LEFT", "RIGHT"), feet, strict=True):
        pts[L[f"{side}_HIP"]] = hip
        pts[L[f"{side}_ANKLE"]] = foot
        pts[L[f"{side}_HEEL"]] = foot + np.array([-20.0, 15.0])
        pts[L[f"{side}_FOOT_INDEX"]] = foot + np.array([40.0, 15.0])
        pts[L[f"{side}_KNEE"]] = ik(hip, foot, up=knees_up)
        pts[L[f"{side}_SHOULDER"]] = shoulder
        pts[L[f"{side}_ELBOW"]] = (
            elbow if elbow is not None else shoulder + np.array([20.0, 120.0])
        )
        pts[L[f"{side}_WRIST"]] = (
            wrist if wrist is not None else shoulder + np.array([40.0, 200.0])
        )
        pts[L[f"{side}_EAR"]] = shoulder + np.array([-10.0, -60.0])
    pts[L.NOSE] = shoulder + np.array([25.0, -60.0])
    return pts


def cycling(
    rpm=40.0,
    backward=True,
    hip_y=505.0,
    seconds=30.0,
    fps=30.0,
    mirror=False,
    slow_down=0.0,
):
    centre = np.array([640.0, 800.0])
    radius = 80.0
    hip = np.array([600.0, hip_y])
    shoulder = hip + np.array([120.0, -260.0])  # ~25 deg forward
    frames, theta = [], 0.0
    for i in range(int(seconds * fps)):
        rate = rpm * (1 - slow_down * i / (seconds * fps))
        omega = 2 * math.pi * rate / 60 * (-1 if backward else 1)  # facing +x
        theta += omega / fps
        feet = [
            centre
            + radius
            * np.array([math.cos(theta + k * math.pi), math.sin(theta + k * math.pi)])
            for k in (0, 1)
        ]
        frames.append(frame(body_points(hip, shoulder, feet), i, fps, mirror))
    return frames


def coach(name, frames, *overrides):
    return run_coach(
        frames, create_coach(name, load_config(overrides=list(overrides)))
    )[1]


@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("backward", [True, False])
def test_pedalling_direction_and_cadence(backward, mirror):
    result = coach("backward-cycle", cycling(rpm=40, backward=backward, mirror=mirror))
    s = result.summary
    assert s["direction"] == ("backward" if backward else "forward")
    assert s["cadence_rpm"] == pytest.approx(40, rel=0.03)
    assert s["revolutions"] in (19, 20)  # 30 s at 40 rpm
    codes = [c["code"] for c in s["top_cues"]]
    assert ("machine.wrong_direction" in codes) is (not backward)
    assert s["per_minute"][0]["count"] == s["revolutions"]


@pytest.mark.parametrize(
    "hip_y, expected",
    [(470.0, "machine.saddle_high"), (496.0, None), (560.0, "machine.saddle_low")],
)
def test_saddle_height_from_knee_bend_at_the_bottom(hip_y, expected):
    s = coach("backward-cycle", cycling(hip_y=hip_y)).summary
    codes = {c["code"] for c in s["top_cues"]}
    flex = s["bottom_knee_flexion_deg"]
    if expected is None:
        assert 25 <= flex <= 35 and not codes & {
            "machine.saddle_high",
            "machine.saddle_low",
        }
    else:
        assert expected in codes


def test_cycling_fatigue_is_a_dropping_cadence():
    result = coach("backward-cycle", cycling(rpm=60, seconds=60, slow_down=0.4))
    assert any(w.code == "machine.fatigue" for w in result.warnings)
    steady = coach("backward-cycle", cycling(rpm=60, seconds=60))
    assert not steady.warnings


def rowing(
    strokes=8, drive_s=1.0, recovery_s=2.0, fps=30.0, arms_early=False, layback_deg=20.0
):
    feet = np.array([900.0, 780.0])
    frames = []
    i = 0
    for _ in range(strokes):
        n_drive, n_rec = int(drive_s * fps), int(recovery_s * fps)
        for k in range(n_drive + n_rec):
            if k < n_drive:
                u = k / n_drive  # 0 catch -> 1 finish
            else:
                u = 1 - (k - n_drive) / n_rec
            # Legs over the whole drive, back in its second half, arms last
            # (or first, when arms_early).
            legs = min(1.0, u / 0.6)
            back = min(1.0, max(0.0, (u - 0.3) / 0.5))
            arms = (
                min(1.0, u / 0.3) if arms_early else min(1.0, max(0.0, (u - 0.7) / 0.3))
            )
            hip = np.array([feet[0] - (120 + 260 * legs), 700.0])
            lean = math.radians(25 - (25 + layback_deg) * back)
            shoulder = hip + 280 * np.array([math.sin(lean), -math.cos(lean)])
            hands_x = shoulder[0] + 150 * (1 - arms) + 10
            elbow = shoulder + np.array(
                [(hands_x - shoulder[0]) / 2 - 30 * arms, 60 * arms + 40]
            )
            wrist = np.array([hands_x, shoulder[1] + 80])
            pts = body_points(
                hip, shoulder, [feet, feet], knees_up=True, elbow=elbow, wrist=wrist
            )
            frames.append(frame(pts, i, fps))
            i += 1
    return frames


def test_strokes_rate_and_controlled_return():
    s = coach("reverse-row", rowing(strokes=8, drive_s=1.0, recovery_s=2.0)).summary
    assert s["strokes"] == 8  # from the first catch (frame 0) to the last
    assert s["rate_spm"] == pytest.approx(20, rel=0.1)
    assert s["recovery_to_drive"] == pytest.approx(2.0, abs=0.15)
    assert "machine.rushed_return" not in {c["code"] for c in s["top_cues"]}
    rushed = coach("reverse-row", rowing(drive_s=1.5, recovery_s=1.5)).summary
    assert "machine.rushed_return" in {c["code"] for c in rushed["top_cues"]}


def test_sequencing_and_layback():
    good = coach("reverse-row", rowing()).summary
    assert good["arms_early_share"] == 0.0
    early = coach("reverse-row", rowing(arms_early=True)).summary
    assert early["arms_early_share"] == 1.0
    assert "machine.arms_early" in {c["code"] for c in early["top_cues"]}
    far = coach("reverse-row", rowing(layback_deg=40)).summary
    assert far["finish_lean_deg"] == pytest.approx(-40, abs=3)
    assert "machine.over_lean" in {c["code"] for c in far["top_cues"]}


def test_the_arms_early_share_is_a_setting():
    """The habit threshold is read from the config, so a user can change it."""
    frames = rowing(arms_early=True)  # the arms lead in every stroke
    codes = {c["code"] for c in coach("reverse-row", frames).summary["top_cues"]}
    assert "machine.arms_early" in codes
    lenient = coach(
        "reverse-row", frames, "exercises.reverse_row.arms_early_max_share=1.0"
    ).summary
    assert "machine.arms_early" not in {c["code"] for c in lenient["top_cues"]}


def _pedalling(clip: Path) -> dict:
    """The backward-cycle coach's summary of a real clip (its own smoothing)."""
    config = load_config()
    coach = create_coach("backward-cycle", config)
    track = estimate_poses(clip, config)
    frames = smooth_offline(track.frames, config, cutoff_hz=coach.smoothing_cutoff_hz)
    return run_coach(frames, coach)[1].summary


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "cyc_dataroots_trainer_side_faceL_fwd",
        "cyc_dataroots_trainer_side_faceL_REVERSED_bwd",
    ],
)
def test_real_pedalling_direction_is_the_same_in_a_mirror_image(name, tmp_path):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    clip = shared_clip(f"equipment/{name}.mp4")
    labels = shared_label(f"equipment/{name}.json")
    expected = labels["direction"]["relative_to_rider"].split()[0]  # forward/backward
    mirrored = tmp_path / "mirrored.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(clip), "-vf", "hflip",
         "-c:v", "libx264", "-crf", "18", str(mirrored)],
        check=True,
    )  # fmt: skip
    for video in (clip, mirrored):  # the rider faces image-left, then image-right
        s = _pedalling(video)
        assert s["direction"] == expected, video.name
        assert abs(s["revolutions"] - labels["counts"]["complete_revolutions"]) <= 1
        assert s["cadence_rpm"] == pytest.approx(
            labels["counts"]["cadence_rpm_approx"]["mean"], rel=0.05
        )
