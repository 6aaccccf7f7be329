"""Edited videos (formcoach.cuts and shot-by-shot coaching), on real footage.

* The shared 3/4 knee-drive clip: two takes joined by a cross-fade; the
  counts against its hand labels.
* A clip made at test time from the banded lunge clip and its mirror image
  (``hflip``: the person faces the other way), joined by a hard cut and by an
  ffmpeg ``xfade`` cross-fade: the reps of both sides are kept, and equal the
  single clips' (the rep the cut interrupts is partial).
* Uncut clips with a moving person and a flickering park scene: no cut.

Pose passes are cached per module; the shared clips are never copied into
the repository.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcoach.coaching import coach_clip, join_results
from formcoach.cuts import CutSettings, detect_cuts, detect_cuts_in_video
from formcoach.exercises import create_coach
from formcoach.pose_pass import PoseTrack, estimate_poses
from formcoach.results import ExerciseResult
from formcoach.settings import load_config
from formcoach.stage_settings import PipelineSettings

from .conftest import shared_clip, shared_label

KNEE_DRIVE = (
    "front/mewfit_joannasoh_reverse_lunge_kneedrive_press_real_34front_cfr25.mp4"
)
BANDED = "rnhrn/banded_reverse_lunges_side.mp4"
TAKE_S = 6.3  # the banded clip's length


@cache
def _track(path: Path) -> PoseTrack:
    return estimate_poses(path, PipelineSettings.from_config(load_config()))


def _lunges(path: Path) -> ExerciseResult:
    config = load_config()
    track = _track(path)
    coach = create_coach("reverse-lunge", config)
    settings = PipelineSettings.from_config(config)
    return coach_clip(track.frames, coach, settings, track.cuts).result


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def takes(tmp_path_factory) -> dict[str, Path]:
    """The banded clip, its mirror image, and the two joined both ways."""
    src = shared_clip(BANDED)
    tmp = tmp_path_factory.mktemp("cuts")
    # 960x540 at 15 fps: half the pose model's work of the 30 fps original.
    enc = ["-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
           "-pix_fmt", "yuv420p"]  # fmt: skip
    small = "scale=960:540,fps=15"
    out = {k: tmp / f"{k}.mp4" for k in ("a", "b", "hard", "fade")}
    _ffmpeg("-i", str(src), "-vf", small, *enc, str(out["a"]))
    _ffmpeg("-i", str(src), "-vf", f"hflip,{small}", *enc, str(out["b"]))
    (tmp / "list.txt").write_text(f"file '{out['a']}'\nfile '{out['b']}'\n")
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(tmp / "list.txt"), "-c", "copy",
            str(out["hard"]))  # fmt: skip
    # A 0.5 s cross-fade over the last 0.5 s of the first take.
    _ffmpeg("-i", str(out["a"]), "-i", str(out["b"]), "-filter_complex",
            f"xfade=transition=fade:duration=0.5:offset={TAKE_S - 0.5}", *enc,
            str(out["fade"]))  # fmt: skip
    return out


@pytest.mark.shared
@pytest.mark.slow
def test_the_cross_faded_clip_keeps_the_reps_around_the_fade():
    labels = shared_label(KNEE_DRIVE.replace(".mp4", ".json"))
    path = shared_clip(KNEE_DRIVE)
    fps = labels["fps"]
    # The labelled fade (~216-228) is found, and nothing else after the
    # clip's opening fade-in from white.
    cuts = [c for c in _track(path).cuts if c.start_index > 50]
    assert [(c.kind) for c in cuts] == ["fade"]
    assert 210 <= cuts[0].start_index < cuts[0].end_index <= 232
    result = _lunges(path)
    s = result.summary
    assert s["rep_count"] == labels["complete_reps"] == 2
    assert s["forward_lunges"] == 0
    partial = [r for r in result.reps if not r["complete"]]
    # Every labelled partial is a partial rep (the one the fade interrupts
    # too); one more starts in the clip's last 0.5 s, past the labels.
    for first, last, _ in labels["partials"]:
        assert any(
            r["start_s"] <= last / fps and (r["end_s"] or 99) >= first / fps
            for r in partial
        ), (first, last, partial)
    assert s["partial_reps"] == labels["partial_reps"] + 1
    assert [r["index"] for r in result.reps] == list(range(1, len(result.reps) + 1))


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("join", ["hard", "fade"])
def test_two_takes_facing_both_ways_keep_the_reps_of_both(join, takes):
    one = _lunges(takes["a"]).summary
    other = _lunges(takes["b"]).summary
    track = _track(takes[join])
    assert len(track.cuts) == 1
    cut = track.cuts[0]
    assert cut.kind == join
    t_cut = TAKE_S - (0.25 if join == "fade" else 0.0)
    assert abs(cut.t_s - t_cut) <= 0.2, cut
    result = _lunges(takes[join])
    s = result.summary
    # The banded clip alone: 2 complete + 1 partial (it ends mid-rep), its
    # mirror image the same. Joined, nothing is lost and the rep the edit
    # cuts off stays partial (without the cut check the other take's first
    # frames closed it and it counted complete). A cross-fade also blends
    # away the first 0.5 s of the second take, where its first rep starts:
    # that rep is partial too.
    assert (one["rep_count"], one["partial_reps"]) == (2, 1)
    interrupted = 1 if join == "fade" else 0
    assert s["rep_count"] == one["rep_count"] + other["rep_count"] - interrupted
    total = s["rep_count"] + s["partial_reps"]
    assert total == sum(x["rep_count"] + x["partial_reps"] for x in (one, other))
    before = [r for r in result.reps if r["start_s"] < cut.t_s]
    after = [r for r in result.reps if r["start_s"] >= cut.t_s]
    assert [r["complete"] for r in before] == [True, True, False]
    # A mirror image steps with the other leg.
    assert {r["stepping_leg"] for r in before if r["complete"]} == {"left"}
    assert {r["stepping_leg"] for r in after if r["complete"]} == {"right"}


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(
    "clip",
    [
        "mhuang/IMG_5396_treadmill_run_side.mp4",
        "sports2d/demo.mp4",
        "lunges/vcproj_forward_lunge_real_CONTRAST.mp4",
    ],
)
def test_an_uncut_clip_has_no_cut(clip):
    """A runner on a treadmill; a park with a flickering sun flare, a person on a
    swinging rope and exposure changes; a camera drifting slowly as a stock
    clip starts: no cut (no pose model needed)."""
    settings = CutSettings.from_config(load_config())
    assert detect_cuts_in_video(shared_clip(clip), settings) == []


def _scene(seed: int) -> np.ndarray:
    """A 640x360 picture with detail at several scales (a room, say)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (9, 16, 3)).astype(np.float32)
    fine = rng.uniform(-40, 40, (90, 160, 3)).astype(np.float32)
    big = cv2.resize(coarse, (640, 360), interpolation=cv2.INTER_CUBIC)
    return np.clip(big + cv2.resize(fine, (640, 360)), 0, 255)


def _frames(pictures: list[np.ndarray]) -> list[tuple[int, np.ndarray, float]]:
    return [(i, p.astype(np.uint8), i * 1000 / 30) for i, p in enumerate(pictures)]


def test_a_cross_fade_is_a_cut_and_a_slow_drift_or_brightness_ramp_is_not():
    settings = CutSettings.from_config(load_config())
    a, b = _scene(1), _scene(2)
    fade = [a] * 20 + [a + (b - a) * k / 10 for k in range(1, 10)] + [b] * 20
    cuts = detect_cuts(_frames(fade), settings, 30.0)
    assert [c.kind for c in cuts] == ["fade"]  # blends 20-28, found within 2 frames
    assert 17 <= cuts[0].start_index <= 19 and 29 <= cuts[0].end_index <= 31
    # The camera drifts a quarter pixel a frame for a second and a half, then
    # stops: on a 64x36 thumbnail each step is a fortieth of a pixel, next to
    # a blend of the pictures before and after. One picture drifting is not
    # two shots.
    shift = [np.float32([[1, 0, -k / 4], [0, 1, 0]]) for k in range(45)]
    drift = [cv2.warpAffine(a, m, (640, 360), borderMode=cv2.BORDER_REFLECT)
             for m in [shift[0]] * 10 + shift + [shift[-1]] * 10]  # fmt: skip
    assert detect_cuts(_frames(drift), settings, 30.0) == []
    # A fade of brightness: the same picture, darker to lighter.
    ramp = [a * 0.6] * 10 + [a * (0.6 + 0.04 * k) for k in range(1, 10)] + [a] * 10
    assert detect_cuts(_frames(ramp), settings, 30.0) == []


def test_join_results_renumbers_adds_counts_and_rescores():
    def rep(index: int, score: int, complete: bool) -> dict:
        return {"index": index, "score": score, "complete": complete}

    lunge = "reverse lunge"
    first = ExerciseResult(
        summary={"rep_count": 2, "partial_reps": 1, "score": 90, "movement": lunge,
                 "landings": {"ball": 2, "heel": 0}, "checks_not_measurable": ["a"],
                 "cadence_spm": 100.0, "top_cues": []},
        reps=[rep(1, 100, True), rep(2, 80, True), rep(3, 0, False)],
    )  # fmt: skip
    second = ExerciseResult(
        summary={"rep_count": 1, "partial_reps": 0, "score": 60, "movement": lunge,
                 "landings": {"ball": 1, "heel": 3}, "checks_not_measurable": ["b"],
                 "cadence_spm": 130.0, "top_cues": []},
        reps=[rep(1, 60, True)],
    )  # fmt: skip
    joined = join_results([first, second], [2.0, 1.0])
    assert [r["index"] for r in joined.reps] == [1, 2, 3, 4]
    s = joined.summary
    assert (s["rep_count"], s["partial_reps"]) == (3, 1)
    assert s["score"] == 80  # the mean of the three complete reps
    assert s["landings"] == {"ball": 3, "heel": 3}
    assert s["checks_not_measurable"] == ["a", "b"]
    assert s["cadence_spm"] == pytest.approx(110.0)  # weighted by duration
    assert s["movement"] == "reverse lunge"
    assert join_results([first]) is first


def test_join_results_text_is_what_holds_longest():
    """A few frames before an edit (three short shots) do not outvote the rest."""
    moves = ["none detected"] * 3 + ["forward lunge"]
    parts = [ExerciseResult(summary={"movement": m}) for m in moves]
    joined = join_results(parts, [0.2, 0.2, 0.2, 15.0])
    assert joined.summary["movement"] == "forward lunge"
    # Equal weights: the most common; a tie goes to the longest part.
    assert join_results(parts).summary["movement"] == "none detected"
    assert join_results(parts[2:], [1.0, 2.0]).summary["movement"] == "forward lunge"
    assert join_results(parts[2:], [2.0, 1.0]).summary["movement"] == "none detected"


@pytest.mark.shared
@pytest.mark.slow
def test_the_one_pass_analysis_coaches_each_take(takes, tmp_path):
    """formcoach analyze of one workout (the one-pass path, with its video)
    restarts at the cut too, and counts what the passes count."""
    from formcoach.pipeline import analyze_video

    expected = _lunges(takes["hard"]).summary
    out = tmp_path / "out"
    report = analyze_video(takes["hard"], "reverse-lunge", out, load_config())
    assert [c["kind"] for c in report["cuts"]] == ["hard"]
    s = report["summary"]
    assert (s["rep_count"], s["partial_reps"]) == (
        expected["rep_count"],
        expected["partial_reps"],
    )
    legs = [r["stepping_leg"] for r in report["reps"] if r["complete"]]
    assert legs == ["left", "left", "right", "right"]
    assert (out / "annotated.mp4").stat().st_size > 0
