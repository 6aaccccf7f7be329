"""Coaching the right person when several are in the picture (issue #15, item 6).

Unit tests of the choice on hand-built landmark tracks, and real-footage
tests: the trainer clip with a bystander, and two shared clips put side by
side at test time (an exerciser and a person doing something else, both
arrangements) against the exerciser's clip alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from formcoach.landmarks import NUM_LANDMARKS
from formcoach.people import (
    PeopleSettings,
    PersonChoice,
    PersonChooser,
    crop_window,
    landmark_box,
    mask_others,
)
from formcoach.pipeline import analyze_video
from formcoach.settings import load_config
from tests.conftest import shared_clip, shared_label

SETTINGS = PeopleSettings.defaults()
FRAME_WH = (1280, 720)


def person(cx: float, feet_y: float, height: float = 300.0, legs: float = 0.0):
    """A standing figure: ``(33, 2)`` pixels, legs spread by ``legs`` px."""
    xy = np.zeros((NUM_LANDMARKS, 2), np.float32)
    xy[:, 0] = cx
    xy[:, 1] = np.linspace(feet_y - height, feet_y - 0.5 * height, NUM_LANDMARKS)
    xy[23:25] = (cx, feet_y - 0.5 * height)  # hips
    xy[25:27] = (cx, feet_y - 0.25 * height)  # knees
    for left, right in ((27, 28), (29, 30), (31, 32)):  # ankles, heels, toes
        xy[left] = (cx - legs, feet_y)
        xy[right] = (cx + legs, feet_y)
    xy[0] = (cx, feet_y - height)
    return xy


def run(chooser: PersonChooser, frames: list[list[np.ndarray]], step_ms: float):
    for k, people in enumerate(frames):
        chooser.observe(people, k * step_ms, FRAME_WH)


def test_alone_is_coached():
    chooser = PersonChooser(SETTINGS)
    run(chooser, [[person(600, 650)] for _ in range(5)], 500)
    choice = chooser.summary()
    assert choice.people_seen == 1 and choice.reason == "alone"
    assert choice.box is not None and 0.4 < choice.box[0] < 0.5


def test_the_one_moving_their_legs_is_coached_over_a_bigger_still_one():
    # given: a taller, nearer person standing still, and a lunger stepping
    chooser = PersonChooser(SETTINGS)
    frames = [
        [person(300, 700, 340), person(900, 660, legs=120.0 * (k % 2))]
        for k in range(8)
    ]
    # when
    run(chooser, frames, 500)
    # then
    choice = chooser.summary()
    assert choice.reason == "most_active"
    assert choice.box is not None and choice.box[0] > 0.5  # the right one
    assert choice.switches == 1


def test_a_preferred_person_is_taken_first_and_kept():
    """A pose run posed again after a late choice starts on the exerciser
    (their box at the first look), not on the nearest person."""
    frames = [
        [person(300, 700, 340), person(900, 660, legs=120.0 * ((k + 1) % 2))]
        for k in range(8)
    ]
    chooser = PersonChooser(SETTINGS)
    chooser.prefer(landmark_box(frames[0][1]))
    run(chooser, frames[:1], 500)
    assert chooser.summary().reason == "most_active"
    assert not chooser.undecided(0.0)  # nothing left to decide: no more replays
    run(chooser, frames, 500)
    choice = chooser.summary()
    assert choice.box is not None and choice.box[0] > 0.5 and choice.switches == 0


def test_a_preference_matching_no_one_is_ignored():
    chooser = PersonChooser(SETTINGS)
    chooser.prefer(np.array([0, 0, 40, 40], np.float32))
    run(chooser, [[person(300, 700, 340), person(900, 660)]], 500)
    assert chooser.summary().reason == "nearest"


def test_the_subjects_box_since_a_time_is_their_first_look_after_it():
    chooser = PersonChooser(SETTINGS)
    run(chooser, [[person(600 + 10 * k, 650)] for k in range(4)], 500)
    box = chooser.subject_box_since(1000.0)  # the third look: cx 620
    assert box is not None and box[0] == pytest.approx(620)
    assert chooser.subject_box_since(5000.0) is None


def test_someone_walking_through_does_not_take_over():
    chooser = PersonChooser(SETTINGS)
    lunger = [person(640, 650, legs=80.0 * (k % 2)) for k in range(12)]
    frames = [[p] for p in lunger[:6]]
    # A walker crosses in front for 1.5 s, legs swinging, feet a bit lower.
    for k in range(6, 9):
        frames.append([lunger[k], person(200 + 300 * (k - 6), 700, legs=150.0)])
    frames += [[p] for p in lunger[9:]]
    run(chooser, frames, 500)
    choice = chooser.summary()
    assert choice.switches == 0
    assert choice.box is not None and 0.4 < choice.box[0] < 0.55


def test_a_person_up_on_a_box_gives_way_to_one_on_the_floor():
    chooser = PersonChooser(SETTINGS)
    box = [[person(600, 330, 250, legs=30.0 * (k % 2))] for k in range(4)]
    both = [
        [
            person(600, 330, 250, legs=30.0 * (k % 2)),
            person(1000 - 60 * k, 690, 260, legs=100.0 * (k % 2)),  # walking
        ]
        for k in range(4)
    ]
    run(chooser, box + both, 500)
    choice = chooser.summary()
    assert choice.people_seen == 2 and choice.reason == "nearest"
    assert choice.box is not None and choice.box[0] > 0.55


def test_alone_only_after_a_stay_and_with_no_one_else_around():
    chooser = PersonChooser(SETTINGS)
    run(chooser, [[person(600, 650)] for _ in range(4)], 500)
    assert not chooser.alone(1500.0)  # in the picture 1.5 s: too soon
    chooser.observe([person(600, 650)], 2000.0, FRAME_WH)
    assert chooser.alone(2000.0)
    assert not chooser.alone(1500.0)  # not seen at that look
    chooser.observe([person(600, 650), person(1000, 650)], 2500.0, FRAME_WH)
    chooser.observe([person(600, 650)], 3000.0, FRAME_WH)
    assert not chooser.alone(3000.0)  # the other was seen within crop_hold_s


@pytest.mark.parametrize("sampled", [True, False], ids=["sampled", "not-sampled"])
def test_between_spaced_out_looks_the_subjects_motion_stays_current(sampled):
    """Looks spread out while the lunger is alone (0-2 s every 0.5 s, then at
    3, 5 and 7 s) fall on the same moment of every rep and see legs that never
    moved; the pose model's landmarks between them keep the true motion, so a
    newcomer who moves more, but not twice as much, does not take over."""

    def lunger(t: float):
        return person(400, 650, legs=120.0 * (round(2 * t) % 2))

    chooser = PersonChooser(SETTINGS)
    looks = {0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0}
    for t in np.arange(0.0, 9.0, 0.5):
        if t in looks:
            chooser.observe([lunger(t)], 1000 * t, FRAME_WH)
        elif sampled:
            chooser.observe_subject(lunger(t), 1000 * t)
    for t in np.arange(9.0, 16.0, 0.5):  # a newcomer joins and stays
        newcomer = person(900, 650, legs=200.0 * (round(2 * t) % 2))
        chooser.observe([lunger(t), newcomer], 1000 * t, FRAME_WH)
    choice = chooser.summary()
    assert choice.switches == (0 if sampled else 1)
    assert choice.box is not None
    assert (choice.box[0] < 0.5) if sampled else (choice.box[0] > 0.5)


def test_landmarks_of_someone_else_are_not_the_subjects_motion():
    chooser = PersonChooser(SETTINGS)
    run(chooser, [[person(400, 650)] for _ in range(5)], 500)
    (track,) = chooser._tracks
    before = (track.activity, track.samples)
    chooser.observe_subject(person(900, 650, legs=150.0), 2500.0)  # elsewhere
    assert (track.activity, track.samples) == before
    chooser.observe_subject(person(400, 650, legs=60.0), 2500.0)
    assert track.samples == before[1] + 1 and track.activity > before[0]


def test_merge_of_runs_keeps_the_reason_of_the_run_that_chose():
    runs = [
        PersonChoice(people_seen=2, reason="most_active", switches=1, scout_runs=9),
        PersonChoice(people_seen=1, reason="alone", box=(0, 0, 1, 1), scout_runs=5),
    ]
    merged = PersonChoice.merge(runs).as_dict()
    assert merged["people_seen"] == 2 and merged["reason"] == "most_active"
    assert merged["switches"] == 1 and merged["scout_runs"] == 14
    assert merged["why"]


def test_crop_window_is_clipped_and_masking_spares_the_subject():
    subject = np.array([100, 100, 200, 400], np.float32)
    region = crop_window(subject, (640, 480), 1.8)
    assert region[0] == 0 and region[1] == 0 and region[3] == 480
    crop = np.full((region[3], region[2], 3), 255, np.uint8)
    other = np.array([220, 100, 300, 400], np.float32)
    mask_others(crop, region, subject, [other])
    assert (crop[250, 260] == 127).all()  # the other person is greyed out
    assert (crop[250, 150] == 255).all()  # the subject is untouched


# --- real footage -----------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_trainer_rider_is_coached_not_the_bystander(tmp_path):
    labels = shared_label("equipment/cyc_dataroots_trainer_side_faceL_fwd.json")
    clip = shared_clip("equipment/cyc_dataroots_trainer_side_faceL_fwd.mp4")
    report = analyze_video(
        clip, "backward-cycle", tmp_path / "out", load_config(), write_video=False
    )
    assert report["person"]["people_seen"] == 2
    # The rider sits at x ~0.30-0.52 of the picture, the bystander at 0-0.12.
    assert report["person"]["box"][0] > 0.2
    assert report["summary"]["revolutions"] == labels["counts"]["complete_revolutions"]


LUNGES = "rnhrn/banded_reverse_lunges_side.mp4"
# The other person: a real person standing still (the squat clip's first
# frame, held for the whole clip).
STANDING = "vengaza/squats_side.mp4"


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", *args], check=True, timeout=300
    )


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """The lunge clip alone, beside a standing person on either side, and
    with that person appearing on its right after 3.5 s.

    All three at 360 px high and 29.97 fps, 190 frames (the lunge clip's
    length), analysed with the defaults.
    """
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    lunges, other = shared_clip(LUNGES), shared_clip(STANDING)
    folder = tmp_path_factory.mktemp("people")
    # fps on every input: the lunge clip's first frame is late (VFR-ish), and
    # hstack without it never ends.
    norm = "fps=30000/1001,scale=-2:360,setsar=1"
    enc = ["-frames:v", "190", "-an", "-c:v", "libx264", "-preset", "ultrafast"]
    clips = {"alone": folder / "alone.mp4"}
    _ffmpeg("-i", str(lunges), "-vf", f"{norm},format=yuv420p", *enc,
            str(clips["alone"]))  # fmt: skip
    # "joins": the standing person hidden (grey) until 3.5 s, someone who
    # joins a lunger who was alone long enough for the looks to spread out.
    hide = ",drawbox=x=0:y=0:w=iw:h=ih:color=gray:t=fill:enable='lt(t,3.5)'"
    for name, order, other_after in (
        ("left", "[a][b]", ""),
        ("right", "[b][a]", ""),
        ("joins", "[a][b]", hide),
    ):
        clips[name] = folder / f"lunger_{name}.mp4"
        graph = (
            f"[0:v]{norm}[a];[1:v]trim=end_frame=1,loop=loop=-1:size=1,{norm}"
            f"{other_after}[b];{order}hstack=inputs=2:shortest=1,format=yuv420p"
        )
        _ffmpeg("-i", str(lunges), "-i", str(other), "-filter_complex", graph,
                *enc, str(clips[name]))  # fmt: skip
    config = load_config()
    return {
        name: analyze_video(
            path, "reverse-lunge", folder / f"out_{name}", config, write_video=False
        )
        for name, path in clips.items()
    }


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("side", ["left", "right"])
def test_lunger_beside_a_standing_person_is_coached(side_by_side, side):
    alone, report = side_by_side["alone"], side_by_side[side]
    assert report["person"]["people_seen"] == 2
    box = report["person"]["box"]
    centre = (box[0] + box[2]) / 2
    # The lunge picture is 640 px of the 842 px wide pair.
    assert (centre < 0.76) if side == "left" else (centre > 0.24)
    assert len(report["reps"]) == len(alone["reps"]) == 3
    for rep, ref in zip(report["reps"], alone["reps"], strict=True):
        assert rep["bottom_s"] == pytest.approx(ref["bottom_s"], abs=0.15)
    # Complete reps as the lunger's clip alone.
    assert report["summary"]["rep_count"] == alone["summary"]["rep_count"]
    json.dumps(report["person"])  # plain JSON


@pytest.mark.shared
@pytest.mark.slow
def test_someone_who_joins_a_lunger_alone_is_seen_and_the_lunger_kept(side_by_side):
    """Alone for 3.5 s the looks are spread out (``scout_interval_max_s``);
    the person who then appears is still seen, and the lunger stays coached
    with the reps of the clip alone."""
    alone, report = side_by_side["alone"], side_by_side["joins"]
    assert report["person"]["people_seen"] == 2
    assert report["person"]["switches"] == 0
    box = report["person"]["box"]
    assert (box[0] + box[2]) / 2 < 0.76
    assert len(report["reps"]) == len(alone["reps"]) == 3
    for rep, ref in zip(report["reps"], alone["reps"], strict=True):
        assert rep["bottom_s"] == pytest.approx(ref["bottom_s"], abs=0.15)
