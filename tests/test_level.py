"""Levelling a rolled camera (formcoach/level.py).

Unit tests on a hand-built standing pose turned by known angles, and real
footage: the shared side-view lunge and walk rolled by ffmpeg at test time
(the whole picture kept, corners filled grey), through the real pose model,
give the roll back and, levelled, the same coaching as the upright clip.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcoach.coaching import coach_clip
from formcoach.exercises import create_coach
from formcoach.input_checks import level_clip
from formcoach.level import (
    LevelSettings,
    Roll,
    canvas_wh,
    estimate_roll,
    level,
    unlevel,
)
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config
from formcoach.stage_settings import PipelineSettings

from . import degrade
from .conftest import shared_clip
from .synthetic import LungeSpec, frames_of, lunge_sequence

SETTINGS = LevelSettings.from_config(load_config())


@pytest.fixture(scope="module")
def standing():
    """A synthetic lunge set's frames (standing between reps), upright."""
    return frames_of(lunge_sequence([LungeSpec(), LungeSpec()], lead_in_s=0.5))


def _rolled(frames, degrees):
    """The frames as a camera rolled so the body leans ``degrees`` clockwise."""
    return [level(f, Roll(-degrees, 0.0, 1)) for f in frames]


@pytest.mark.parametrize("degrees", [-35.0, -15.0, 10.0, 35.0])
def test_the_roll_is_measured_and_undone(standing, degrees):
    upright = estimate_roll(standing, SETTINGS)  # the figure's own 0.5 deg
    assert upright is not None and abs(upright.angle_deg) < 1.0
    rolled = _rolled(standing, degrees)
    roll = estimate_roll(rolled, SETTINGS)
    assert roll is not None
    assert roll.angle_deg == pytest.approx(upright.angle_deg + degrees, abs=0.1)
    again = estimate_roll([level(f, roll) for f in rolled], SETTINGS)
    assert again is not None and abs(again.angle_deg) < 0.1


def test_level_keeps_the_picture_in_its_canvas_and_unlevel_undoes_it(standing):
    # World points in metres like the model's (x right, y down, hip-centred).
    hips = standing[0].xy[[23, 24]].mean(axis=0)
    world = np.zeros((33, 3), np.float32)
    world[:, :2] = (standing[0].xy - hips) / 500.0
    world[:, 2] = np.linspace(-0.1, 0.1, 33)
    frame = replace(standing[0], world_xyz=world)
    roll = Roll(35.0, 0.0, 1)
    flat = level(frame, roll)
    w, h = flat.resolution_wh
    assert (w, h) == canvas_wh(frame.resolution_wh, 35.0)
    seen = flat.xy[np.isfinite(flat.xy).all(axis=1)]
    assert (seen >= 0).all() and (seen[:, 0] <= w).all() and (seen[:, 1] <= h).all()

    # The world points turn with the picture: the same lean in both.
    def lean(v):
        return math.degrees(math.atan2(v[0], -v[1]))

    for points in (flat.xy, flat.world_xyz):
        up = points[[11, 12]].mean(axis=0) - points[[23, 24]].mean(axis=0)
        ref = frame.xy if points is flat.xy else frame.world_xyz
        ref_up = ref[[11, 12]].mean(axis=0) - ref[[23, 24]].mean(axis=0)
        assert lean(up) == pytest.approx(lean(ref_up) - 35.0, abs=0.01)
    back = unlevel(flat, roll, frame.resolution_wh)
    np.testing.assert_allclose(back.xy, frame.xy, atol=1e-3)
    np.testing.assert_allclose(back.world_xyz, frame.world_xyz, atol=1e-5)
    assert level(frame, None) is frame


def test_no_roll_without_standing_frames(standing):
    deep = [f for f in standing if f.xy[23, 1] > standing[0].xy[23, 1] + 60]
    assert deep, "the synthetic set has frames at depth"
    assert estimate_roll(deep, SETTINGS) is None  # knees bent: no standing line
    assert estimate_roll(standing[: SETTINGS.min_frames - 1], SETTINGS) is None
    # A line 60 deg from up is no standing person (a rower's finish).
    assert estimate_roll(_rolled(standing, 60.0), SETTINGS) is None


# -- real footage rolled by ffmpeg ---------------------------------------------

LUNGES = "rnhrn/banded_reverse_lunges_side.mp4"
WALK = "gait/walk_watcharapol_barefoot_side_LtoR.mp4"
CONFIG = load_config()
PIPELINE = PipelineSettings.from_config(CONFIG)


def _roll_video(src: Path, out: Path, degrees: float) -> Path:
    """``src`` filmed by a camera rolled ``degrees`` clockwise, nothing cropped.

    The picture grows to hold the turned frame; the corners are grey (black
    would darken the frame's brightness and warn of a dark video).
    """
    a = f"{degrees}*PI/180"
    vf = f"rotate={a}:ow=2*ceil(rotw({a})/2):oh=2*ceil(roth({a})/2):fillcolor=gray"
    return degrade.ffmpeg_filter(src, out, vf)


def _coach(video: Path, exercise: str):
    """Real pose pass, levelling, then the coach: ``(measured, applied, result)``."""
    track = estimate_poses(video, PIPELINE)
    track, measured, applied, warnings = level_clip(track, True, PIPELINE)
    assert warnings == []
    coached = coach_clip(track.frames, create_coach(exercise, CONFIG), PIPELINE)
    return measured, applied, coached


@pytest.fixture(scope="module")
def lunges(tmp_path_factory):
    """The two-rep lunge cut upright and rolled by 35 deg each way."""
    tmp = tmp_path_factory.mktemp("level_lunge")
    cut = degrade.first_two_reps(shared_clip(LUNGES), tmp / "two.mp4")
    return {
        degrees: _coach(
            cut if degrees == 0 else _roll_video(cut, tmp / f"r{degrees}.mp4", degrees),
            "reverse-lunge",
        )
        for degrees in (0, 35, -35)
    }


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [35, -35])
def test_rolled_lunges_are_levelled_and_coached_as_upright(lunges, degrees):
    own, not_applied, upright = lunges[0]
    assert own is not None and abs(own.angle_deg) < SETTINGS.min_deg  # about -6
    assert not_applied is None
    measured, applied, rolled = lunges[degrees]
    assert applied is measured
    assert measured.angle_deg == pytest.approx(degrees + own.angle_deg, abs=2.0)
    for key in ("rep_count", "partial_reps", "movement"):
        assert rolled.result.summary[key] == upright.result.summary[key], key
    assert upright.result.summary["rep_count"] == 2
    assert [r["direction"] for r in rolled.result.reps] == [
        r["direction"] for r in upright.result.reps
    ]
    assert rolled.view == upright.view == "side"


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [35.0, -35.0])
def test_a_rolled_walk_is_levelled_by_the_floor(tmp_path, degrees):
    """The floor under the walk measures the roll to about a degree, and the
    walk is coached as upright: forward (at -35 the landing shape alone
    said backward; the swing of the raised foot decides now)."""
    video = _roll_video(shared_clip(WALK), tmp_path / "walk.mp4", degrees)
    measured, applied, coached = _coach(video, "backward-walk")
    assert applied is measured and measured.source == "body+floor"
    assert measured.angle_deg == pytest.approx(degrees, abs=1.5)
    summary = coached.result.summary
    assert summary["direction_of_travel"] == "forward"
    # Contacts at frames 25, 43, 61, 79, 97 and 115 (partly hidden): 5 or 6.
    assert summary["step_count"] in (5, 6)
    assert 95 <= summary["cadence_spm"] <= 110
