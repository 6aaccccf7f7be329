"""Recognition of the workout (formcoach.recognition).

* Unit tests on hand-built 3D trajectories (tests/synthetic3d.py): every class,
  seen from the side, mirrored and from the front; sessions with pauses.
* Real footage (../shared/videos; skipped where absent): two sessions are
  built at test time with ffmpeg (each clip scaled and padded to 960x540 at
  15 fps, then joined), run through the pose model, smoothing and
  recognition; each session must be >= 90 % labelled right with every
  boundary within 1 s (see BOUNDARY_TOLERANCE_S), and each
  clip's stretch of its session must be recognised as its class.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from formcoach.errors import InputError
from formcoach.landmarks import MIRROR_PERMUTATION
from formcoach.pose import PoseFrame
from formcoach.recognition import (
    LABELS,
    REST,
    LiveRecogniser,
    RecognitionSettings,
    Segment,
    label_windows,
    recognise,
)
from formcoach.recognition.segment import clean_segments
from formcoach.settings import load_config

from . import synthetic3d as s3
from .conftest import shared_clip


@pytest.fixture(scope="module")
def settings() -> RecognitionSettings:
    return RecognitionSettings.from_config(load_config())


def _majority(
    frames: list[PoseFrame], settings: RecognitionSettings
) -> tuple[str, float]:
    labels = [w.label for w in label_windows(frames, settings)]
    label, count = Counter(labels).most_common(1)[0]
    return label, count / len(labels)


def _mirror(frame: PoseFrame) -> PoseFrame:
    """The picture flipped left-right (the person faces the other way)."""
    perm = list(MIRROR_PERMUTATION)
    xy = frame.xy[perm].copy()
    xy[:, 0] = frame.resolution_wh[0] - xy[:, 0]
    world = frame.world_xyz[perm].copy()
    world[:, 0] = -world[:, 0]
    return dataclasses.replace(frame, xy=xy, world_xyz=world)


def _front_view(frame: PoseFrame) -> PoseFrame:
    """The same body turned to face the camera (world x→depth, z→across).

    The picture becomes a front view: the feet move toward and away from the
    camera, so only the world landmarks show the fore-aft movement.
    """
    w = frame.world_xyz
    world = np.stack([-w[:, 2], w[:, 1], w[:, 0]], axis=1).astype(np.float32)
    hip_px = frame.xy[[23, 24]].mean(axis=0)
    xy = np.stack([640 + 400 * world[:, 0], hip_px[1] + 400 * world[:, 1]], 1)
    return dataclasses.replace(frame, xy=xy.astype(np.float32), world_xyz=world)


MOVEMENTS = {
    "reverse-lunge": s3.lunges(),
    "forward-lunge": s3.lunges(direction=1),
    "backward-walk": s3.backward_walk(),
    "backward-walk-treadmill": s3.backward_walk(treadmill=True),
    "retro-run": s3.retro_run(),
    "band-walk": s3.band_walk(),
    "backward-shuffle": s3.backward_shuffle(),
    "backward-cycle": s3.cycling(),
    "forward-cycle": s3.cycling(direction=1),
    "reverse-row": s3.rowing(),
    "standing": s3.stand,
    "squats": s3.squats(),
}
EXPECTED = {
    "forward-lunge": "reverse-lunge",  # lunge family: the lunge coach flags it
    "backward-walk-treadmill": "backward-walk",
    "forward-cycle": "backward-cycle",  # the cycling coach finds the direction
    "standing": REST,
    "squats": REST,
}


@pytest.mark.parametrize("view", ["side", "mirrored", "front"])
@pytest.mark.parametrize("name", sorted(MOVEMENTS))
def test_hand_built_movement_is_recognised(name, view, settings):
    frames = s3.frames(MOVEMENTS[name], 10.0)
    if view == "mirrored":
        frames = [_mirror(f) for f in frames]
    elif view == "front":
        frames = [_front_view(f) for f in frames]
    label, share = _majority(frames, settings)
    assert label == EXPECTED.get(name, name)
    assert share >= 0.9
    segments = recognise(frames, settings)
    assert [s.exercise for s in segments] == [label]


def test_picture_only_frames_fall_back_to_a_side_view(settings):
    """Frames without world landmarks (other pose tools) use the picture."""
    frames = [
        dataclasses.replace(f, world_xyz=np.zeros_like(f.world_xyz))
        for f in s3.frames(s3.lunges(), 9.0)
    ]
    assert _majority(frames, settings)[0] == "reverse-lunge"


def test_hand_built_session_segments_and_boundaries(settings):
    parts = [
        (s3.backward_walk(), 12.0),
        (s3.stand, 3.0),  # a pause inside the walking bout
        (s3.backward_walk(), 8.0),
        (s3.lunges(), 12.0),
        (s3.band_walk(), 10.0),
        (s3.backward_shuffle(), 8.0),
        (s3.squats(), 8.0),
        (s3.cycling(), 10.0),
        (s3.rowing(), 10.0),
        (s3.retro_run(), 8.0),
    ]
    segments = recognise(s3.session(parts), settings)
    assert [s.exercise for s in segments] == [
        "backward-walk", "reverse-lunge", "band-walk", "backward-shuffle",
        REST, "backward-cycle", "reverse-row", "retro-run",
    ]  # fmt: skip
    truth = [23.0, 35.0, 45.0, 53.0, 61.0, 71.0, 81.0]
    for seg, t in zip(segments[1:], truth, strict=True):
        assert abs(seg.start_s - t) <= 1.0, (seg, t)
    assert segments[0].start_s == 0.0
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(segments))
    assert all(0.5 <= s.confidence <= 1.0 for s in segments)


def test_short_bout_is_not_a_segment(settings):
    """Two seconds of squats inside walking are not a bout of their own."""
    parts = [
        (s3.backward_walk(), 10.0),
        (s3.squats(1.0), 2.0),
        (s3.backward_walk(), 10.0),
    ]
    segments = recognise(s3.session(parts), settings)
    assert [s.exercise for s in segments] == ["backward-walk"]


def test_clean_segments_merges_pauses_and_short_bouts(settings):
    segs = [
        Segment(0, 10, "reverse-lunge", 0.9),
        Segment(10, 14, REST, 0.8),  # drinking water: a pause
        Segment(14, 25, "reverse-lunge", 0.9),
        Segment(25, 26.5, "retro-run", 0.6),  # too short
        Segment(26.5, 40, "backward-walk", 0.7),
    ]
    out = clean_segments(segs, settings)
    assert [(s.start_s, s.end_s, s.exercise) for s in out] == [
        (0, 25, "reverse-lunge"),
        (25, 40, "backward-walk"),
    ] or [(s.start_s, s.end_s, s.exercise) for s in out] == [
        (0, 26.5, "reverse-lunge"),
        (26.5, 40, "backward-walk"),
    ]
    long_rest = [Segment(0, 10, "reverse-lunge", 0.9), Segment(10, 30, REST, 0.9),
                 Segment(30, 40, "reverse-lunge", 0.9)]  # fmt: skip
    assert len(clean_segments(long_rest, settings)) == 3


def test_settings_read_every_field_and_name_a_missing_key():
    config = load_config()
    settings = RecognitionSettings.from_config(config)
    for field in dataclasses.fields(RecognitionSettings):
        assert getattr(settings, field.name) == pytest.approx(
            float(config.get(f"recognition.{field.name}"))
        )
        assert config.source(f"recognition.{field.name}")  # each has a source
    tree = dict(config.tree)
    tree["recognition"] = {k: v for k, v in tree["recognition"].items() if k != "hop_s"}
    broken = dataclasses.replace(config, tree=tree)
    with pytest.raises(InputError, match=re.escape("recognition.hop_s")):
        RecognitionSettings.from_config(broken)
    no_table = dataclasses.replace(
        config, tree={k: v for k, v in config.tree.items() if k != "recognition"}
    )
    with pytest.raises(InputError, match=re.escape("[recognition]")):
        RecognitionSettings.from_config(no_table)


def test_live_recogniser_names_and_switches_with_hysteresis(settings):
    frames = s3.session(
        [(s3.backward_walk(), 10.0), (s3.lunges(), 12.0), (s3.rowing(), 10.0)]
    )
    live = LiveRecogniser(settings)
    changes = []
    for f in frames:
        out = live.update(f)
        assert out.label in LABELS
        assert 0.0 <= out.confidence <= 1.0
        if out.changed:
            changes.append((f.timestamp_ms / 1000.0, out.label))
    assert [label for _, label in changes] == [
        "backward-walk",
        "reverse-lunge",
        "reverse-row",
    ]
    # Named within a few seconds of each start (window + hold time).
    for (t, _), start in zip(changes, [0.0, 10.0, 22.0], strict=True):
        assert start < t <= start + settings.window_s + settings.live_switch_s + 1.5


def test_live_recogniser_ignores_a_short_pause(settings):
    frames = s3.session(
        [(s3.backward_walk(), 10.0), (s3.stand, 1.5), (s3.backward_walk(), 6.0)]
    )
    live = LiveRecogniser(settings)
    changes = [live.update(f) for f in frames]
    assert [c.label for c in changes if c.changed] == ["backward-walk"]
    label, confidence, changed = changes[-1]
    assert (label, changed) == ("backward-walk", False)
    assert confidence > 0.5


def test_empty_and_personless_input(settings):
    assert recognise([], settings) == []
    empty = [PoseFrame.empty(i, i * 33.3, (640, 480)) for i in range(120)]
    segments = recognise(empty, settings)
    assert [s.exercise for s in segments] == [REST]


# ---------------------------------------------------------------------------
# Real footage: sessions built at test time.

FPS = 15
SIZE = (960, 540)
#: (clip, seconds to take, expected label); a clip ending in ":loop" is looped.
SESSIONS = {
    "equipment-lunge-run": (
        1,
        [
            ("equipment/cyc_dataroots_trainer_side_faceL_REVERSED_bwd.mp4", 8.0, "backward-cycle"),  # noqa: E501
            ("equipment/row_jakobkb_concept2_side_faceR_1stroke.mp4:loop", 8.0, "reverse-row"),  # noqa: E501
            ("vengaza/squats_side.mp4", 6.0, REST),
            ("lunges/loseweightkotlin_reverse_lunge_real_side_60fps.mp4", 7.5, "reverse-lunge"),  # noqa: E501
            ("derived/treadmill_run_side_time_reversed.mp4", 6.5, "retro-run"),
        ],
    ),
    "walk-lunge-family-run": (
        2,  # a bystander in the park walk
        [
            ("sports2d/demo.mp4", 7.7, "backward-walk"),
            ("lunges/nowva_split_squat_real_side.mp4", 8.0, "reverse-lunge"),
            ("front/mewfit_joannasoh_curtsy_lunge_real_front_cfr25.mp4", 8.0, "reverse-lunge"),  # noqa: E501
            ("lunges/vcproj_forward_lunge_real_CONTRAST.mp4", 8.0, "reverse-lunge"),
            ("mhuang/IMG_5396_treadmill_run_side.mp4", 6.5, "retro-run"),
        ],
    ),
}  # fmt: skip


def _part(src: Path, seconds: float, loop: bool, out: Path) -> float:
    w, h = SIZE
    vf = (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={FPS}"
    )
    cmd = ["ffmpeg", "-v", "error", "-y"]
    if loop:
        cmd += ["-stream_loop", "-1"]
    cmd += ["-i", str(src), "-t", f"{seconds}", "-an", "-vf", vf, "-c:v", "libx264",
            "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
            str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(probe.stdout.strip()) / FPS


def _build_and_recognise(name: str, tmp: Path):
    from formcoach.coaching import smooth_shots
    from formcoach.pose_pass import estimate_poses
    from formcoach.stage_settings import PipelineSettings

    num_poses, parts = SESSIONS[name]
    truth: list[tuple[float, float, str]] = []
    files = []
    t = 0.0
    for k, (clip, seconds, label) in enumerate(parts):
        path, loop = (clip[:-5], True) if clip.endswith(":loop") else (clip, False)
        src = shared_clip(path)
        out = tmp / f"{name}_{k}.mp4"
        duration = _part(src, seconds, loop, out)
        truth.append((t, t + duration, label))
        files.append(out)
        t += duration
    listing = tmp / f"{name}.txt"
    listing.write_text("".join(f"file '{f}'\n" for f in files))
    session = tmp / f"{name}.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
         str(listing), "-c", "copy", str(session)],
        check=True,
    )  # fmt: skip
    config = load_config(overrides=[f"pose.num_poses={num_poses}"])
    track = estimate_poses(session, config)
    # As the analysis does: smoothed shot by shot, boundaries snapped to the
    # cuts found in the picture (each join of two clips is a hard cut).
    smoothing = PipelineSettings.from_config(config).smoothing
    frames = smooth_shots(track.frames, track.cuts, smoothing)
    settings = RecognitionSettings.from_config(config)
    cuts_s = [c.t_s for c in track.cuts]
    return frames, truth, recognise(frames, settings, cuts_s), settings


@pytest.fixture(scope="module")
def real_sessions(tmp_path_factory):
    shared_clip("MANIFEST.md")  # skip early, with the reason, without ../shared
    tmp = tmp_path_factory.mktemp("sessions")
    return {name: _build_and_recognise(name, tmp) for name in SESSIONS}


def _time_right(segments, truth) -> float:
    right = sum(
        max(0.0, min(b, s.end_s) - max(a, s.start_s))
        for a, b, label in truth
        for s in segments
        if s.exercise == label
    )
    return right / (truth[-1][1] - truth[0][0])


#: The issue's target. Each join of two clips is a hard cut, found in the
#: picture (formcoach.cuts), and the boundaries snap to it: docs/recognition.md
#: lists every measured boundary error (0.03 s, half a frame, each).
BOUNDARY_TOLERANCE_S = 1.0


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_real_session_is_segmented(name, real_sessions):
    _, truth, segments, _ = real_sessions[name]
    report = ", ".join(f"{s.exercise}[{s.start_s:.1f}-{s.end_s:.1f}]" for s in segments)
    assert _time_right(segments, truth) >= 0.9, report
    changes = [b for (_, b, la), (_, _, lb) in itertools.pairwise(truth) if la != lb]
    found = [s.start_s for s in segments[1:]]
    errors = [min((abs(t - f) for f in found), default=float("inf")) for t in changes]
    print(
        f"\n{name}: {_time_right(segments, truth):.1%} right; found {report}; "
        f"boundary errors {', '.join(f'{e:.2f}' for e in errors)} s"
    )
    assert len(found) == len(changes), report
    for t in changes:
        assert min(abs(t - f) for f in found) <= BOUNDARY_TOLERANCE_S, (t, report)


CLIPS = [(name, k) for name, (_, parts) in SESSIONS.items() for k in range(len(parts))]


@pytest.mark.parametrize(
    ("name", "k"), CLIPS, ids=[SESSIONS[n][1][k][0].split("/")[-1] for n, k in CLIPS]
)
def test_real_clip_is_recognised(name, k, real_sessions):
    """Each clip's stretch of its session, 1 s in from either end, is its class."""
    frames, truth, _, settings = real_sessions[name]
    a, b, label = truth[k]
    inside = [f for f in frames if a + 1.0 <= f.timestamp_ms / 1000.0 < b - 1.0]
    segments = recognise(inside, settings)
    longest = max(segments, key=lambda s: s.duration_s)
    assert longest.exercise == label, segments
