"""Levelling a rolled camera (formcoach/level.py).

Unit tests on a hand-built standing pose turned by known angles, and real
footage: the shared side-view lunge and walk rolled by ffmpeg at test time
(the whole picture kept, corners filled grey) give the roll back and the same
coaching as the upright clip.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from formcoach.level import (
    LevelSettings,
    Roll,
    canvas_wh,
    estimate_roll,
    level,
    unlevel,
)
from formcoach.settings import load_config

from . import degrade
from .conftest import shared_clip
from .synthetic import LungeSpec, frames_of, lunge_sequence
from .test_bad_inputs import analyze, warning_codes

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


@pytest.fixture(scope="module")
def lunge_reports(tmp_path_factory):
    """Reports of the two-rep lunge cut upright and rolled by -35 deg.

    (+35 deg is test_degraded_footage.py::test_tilted_camera_is_levelled_and_coached.)
    """
    tmp = tmp_path_factory.mktemp("level_lunge")
    cut = degrade.first_two_reps(shared_clip(LUNGES), tmp / "two.mp4")
    capsys = _NoCapture()
    reports = {}
    for degrees in (0, -35):
        video = (
            cut
            if degrees == 0
            else degrade.tilted(cut, tmp / f"r{degrees}.mp4", degrees)
        )
        code, err, report = analyze(
            capsys, video, tmp / f"out{degrees}", "-e", "reverse-lunge", "--no-video"
        )
        assert code == 0, err
        reports[degrees] = report
    return reports


class _NoCapture:
    """``analyze`` reads its output from capsys; module fixtures have none."""

    def readouterr(self):
        class Out:
            out = err = ""

        return Out()


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [-35])
def test_rolled_lunges_are_levelled_and_coached_as_upright(lunge_reports, degrees):
    upright, rolled = lunge_reports[0], lunge_reports[degrees]
    assert upright["video"]["levelled"] is False
    own = upright["video"]["roll_deg"]  # the clip's own lean, about -6 deg
    assert abs(own) < SETTINGS.min_deg
    assert rolled["video"]["levelled"] is True
    assert rolled["video"]["roll_deg"] == pytest.approx(degrees + own, abs=2.0)
    assert warning_codes(rolled) == set()
    for key in ("rep_count", "partial_reps", "movement"):
        assert rolled["summary"][key] == upright["summary"][key], key
    assert [r["direction"] for r in rolled["reps"]] == [
        r["direction"] for r in upright["reps"]
    ]
    assert rolled["view"] == upright["view"] == "side"


@pytest.mark.slow
def test_a_rolled_walk_is_levelled_by_the_floor(tmp_path, capsys):
    """The floor under the walk measures the roll to a degree."""
    walk = shared_clip(WALK)
    video = degrade.tilted(walk, tmp_path / "walk35.mp4", 35.0)
    code, err, report = analyze(capsys, video, tmp_path / "out", "--no-video")
    assert code == 0, err
    assert report["video"]["roll_deg"] == pytest.approx(35.0, abs=1.5)
    summary = report["summary"]
    assert summary["direction_of_travel"] == "forward"
    # Contacts at frames 25, 43, 61, 79, 97 and 115 (partly hidden): 5 or 6.
    assert summary["step_count"] in (5, 6)
    assert 95 <= summary["cadence_spm"] <= 110
