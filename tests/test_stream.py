"""The one-pass analysis of one workout (issue #17): same results in bounded memory."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from formcoach import pose, pose_pass
from formcoach.annotate import FrameAnnotator
from formcoach.coaching import coach_clip
from formcoach.exercises import create_coach
from formcoach.model_pool import open_estimator
from formcoach.pipeline import analyze_video
from formcoach.pose import PoseFrame
from formcoach.pose_pass import _runs, estimate_poses, iter_poses
from formcoach.settings import load_config
from formcoach.smoothing import LookaheadSmoother, smooth_offline
from formcoach.stage_settings import PipelineSettings
from formcoach.stream import model_stride
from formcoach.thinned import Thinned
from formcoach.video import VideoInfo

from .conftest import shared_clip
from .degrade import corrupt_packets, encode

REPO = Path(__file__).resolve().parents[1]
SPLIT_SQUAT = REPO / "videos" / "nowva_split_squat.mp4"
BANDED = "rnhrn/banded_reverse_lunges_side.mp4"


@pytest.fixture(scope="module")
def split_squat_poses():
    return estimate_poses(SPLIT_SQUAT, load_config()).frames


def test_lookahead_smoothing_matches_the_whole_clip_filter(split_squat_poses):
    """A sliding zero-phase filter gives what the whole-clip filter gives."""
    config = load_config()
    frames = list(split_squat_poses)
    # Lost frames too: one short gap (filled) and one long gap (kept empty).
    for i in [*range(40, 44), *range(100, 130)]:
        f = frames[i]
        frames[i] = PoseFrame.empty(f.frame_index, f.timestamp_ms, f.resolution_wh)
    whole = smooth_offline(frames, config)
    smoother = LookaheadSmoother(config, fps=30.0)
    streamed = []
    for f in frames:
        ready = smoother.push(f)
        # Nothing waits longer than the look-ahead plus one block.
        assert (
            len(streamed) + len(ready) >= frames.index(f) + 1 - smoother.latency_frames
        )
        streamed += ready
    streamed += smoother.flush()
    assert [f.frame_index for f in streamed] == [f.frame_index for f in whole]
    assert [f.is_empty() for f in streamed] == [f.is_empty() for f in whole]
    xy = np.stack([f.xy for f in streamed]) - np.stack([f.xy for f in whole])
    world = np.stack([f.world_xyz for f in streamed]) - np.stack(
        [f.world_xyz for f in whole]
    )
    assert np.nanmax(np.abs(xy)) < 0.05  # pixels
    assert np.nanmax(np.abs(world)) < 1e-4  # metres


def test_one_pass_gives_what_the_passes_give(tmp_path):
    """analyze_video (one pass) == pose pass + whole-clip smoothing + coach,
    on the same poses: the model on every frame in both."""
    clip = shared_clip(BANDED)
    config = load_config(overrides=["analysis.workers=1", "pose_rate.reverse_lunge=0"])
    track = estimate_poses(clip, config, workers=1)
    coach = create_coach("reverse-lunge", config)
    expected = coach_clip(track.frames, coach, PipelineSettings.from_config(config))
    out = tmp_path / "out"
    report = analyze_video(clip, "reverse-lunge", out, config, write_video=False)
    assert report["summary"] == json.loads(json.dumps(expected.result.summary))
    assert report["reps"] == json.loads(json.dumps(expected.result.reps))
    assert report["view"] == expected.view
    assert report["pose_every"] == 1


def test_a_pose_rate_skips_frames_and_fills_them(tmp_path):
    """At 15 estimates a second the model sees every other frame of a 30 fps
    clip; every frame still gets a smoothed pose and a row in frames.csv."""
    assert model_stride(29.97, 15.0) == 2 and model_stride(60.0, 15.0) == 4
    # Never fewer estimates than asked: 25 fps / 2 would be 12.5 a second.
    assert model_stride(25.0, 15.0) == 1 and model_stride(50.0, 15.0) == 3
    assert model_stride(30.0, 0.0) == 1
    config = load_config(overrides=["pose_rate.reverse_lunge=15"])
    out = tmp_path / "out"
    report = analyze_video(SPLIT_SQUAT, "reverse-lunge", out, config, write_video=False)
    assert report["pose_every"] == 2
    with (out / "frames.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report["video"]["frames"]
    seen = [bool(r["left_knee_deg"]) for r in rows]
    # The person stands in the middle of the picture the whole clip: no frame
    # between two estimates is left without a pose.
    assert all(seen[5:-5])


def test_thinned_keeps_an_even_bounded_sample():
    sample: Thinned[int] = Thinned(100)
    for i in range(100_000):
        sample.add(i)
    assert len(sample.items) <= 100
    gaps = np.diff(sample.items)
    assert (gaps == sample.step).all() and sample.items[0] == 0
    assert sample.items[-1] > 100_000 - 2 * sample.step


@pytest.mark.parametrize(
    ("n_frames", "lanes", "expected"),
    [
        (100, 2, [(0, None)]),  # too short for two runs of 90 frames
        (191, 2, [(0, 96), (96, None)]),  # one run per lane
        (400, 1, [(0, None)]),  # one lane: one run, whatever the length
        (5000, 2, [(0, 1250), (1250, 2500), (2500, 3750), (3750, None)]),
        (
            108_000,
            2,
            [(k * 1800, k * 1800 + 1800) for k in range(59)] + [(106_200, None)],
        ),
    ],
)
def test_long_videos_are_cut_into_bounded_runs(n_frames, lanes, expected):
    """Runs of at least 90 and at most 1800 frames, a multiple of the lanes."""
    assert _runs(n_frames, lanes, 90, 1800) == expected


@pytest.mark.parametrize(
    ("n_frames", "lanes", "max_frames"),
    [(191, 2, 1800), (150, 2, 1800), (961, 3, 1800), (5000, 2, 1800), (100, 2, 1800)],
)
def test_runs_after_the_first_are_shorter_by_their_warm_up(n_frames, lanes, max_frames):
    """Every run poses as many frames, its warm-up included, give or take one:
    no lane finishes last by a warm-up's length."""
    runs = _runs(n_frames, lanes, 45, max_frames, warmup=15)
    starts = [start for start, _ in runs]
    stops = [stop if stop is not None else n_frames for _, stop in runs]
    assert starts[0] == 0 and stops[-1] == n_frames and starts[1:] == stops[:-1]
    pairs = zip(starts, stops, strict=True)
    posed = [stop - max(0, start - 15) for start, stop in pairs]
    assert max(posed) - min(posed) <= 1, posed
    assert len(runs) == len(_runs(n_frames, lanes, 45, max_frames))


def test_runs_dealt_in_turn_pose_every_frame_and_keep_few_waiting(
    tmp_path, monkeypatch
):
    """A clip cut into 1-s runs over two lanes: every frame comes out once, in
    order, with the times of a single model; the poses agree with it after
    each run's warm-up, no more than about a run waits to be read, each
    lane loads one model for all its runs, and reads each run on its own
    (seeking to it, not decoding the other lane's runs between)."""
    clip = encode(SPLIT_SQUAT, tmp_path / "first8s.mp4", "-t", "8", "-an", "-g", "15")
    one = estimate_poses(clip, load_config(), workers=1).frames
    opened = []
    read: list[tuple[int, int | None]] = []  # (start_index, max_frames) a source

    def counted(*args, **kwargs):
        opened.append(1)
        return open_estimator(*args, **kwargs)

    real_iter_frames = pose_pass.iter_frames

    def reading(*args, **kwargs):
        assert kwargs["seek"]
        read.append((kwargs["start_index"], kwargs["max_frames"]))
        return real_iter_frames(*args, **kwargs)

    monkeypatch.setattr(pose_pass, "open_estimator", counted)
    monkeypatch.setattr(pose_pass, "iter_frames", reading)
    config = load_config(
        overrides=["analysis.max_run_s=1.0", "analysis.min_segment_s=1.0"]
    )
    settings = PipelineSettings.from_config(config)
    info = VideoInfo.from_path(clip)
    run_frames = round(info.fps * 1.0)
    warmup = round(settings.analysis.segment_warmup_s * info.fps)
    runs = _runs(info.frame_count, 2, run_frames, run_frames, warmup)
    assert len(runs) == 8
    ahead: list[int] = []
    taken = 0

    def progress(stage: str, done: int, total: int) -> None:
        ahead.append(done - taken)

    out = []
    for item in iter_poses(
        clip,
        settings,
        info=info,
        turn_deg=0,
        mirrored=False,
        stride=1,
        lanes=2,
        keep_images=False,
        on_gap=lambda a, b: None,
        progress=progress,
    ):
        out.append(item)
        taken += 1
        time.sleep(0.01)  # a slow reader: the lanes must wait for it
    assert [p.frame_index for p in out] == [f.frame_index for f in one]
    assert [p.timestamp_ms for p in out] == [f.timestamp_ms for f in one]
    diff = [
        np.nanmedian(np.abs(p.pose.xy - f.xy))
        for p, f in zip(out, one, strict=True)
        if not (p.pose.is_empty() or f.is_empty())
    ]
    assert len(diff) > 0.9 * len(one) and np.median(diff) < 2.0  # pixels
    # Waiting: the run being read (its queue and held frames) plus one run
    # of the other lane and its warm-up.
    assert max(ahead) <= 8 + 6 + 1 + run_frames + round(info.fps * 0.5) + 1
    assert len(opened) == 2  # one per lane, not one per run
    # A source per run, from its warm-up (the longer of the model's and the
    # cut check's) to its end.
    lead = max(warmup, round(settings.cuts.fade_max_s * info.fps) + 3)
    assert len(read) == len(runs)
    assert set(read) == {(max(0, a - lead), b) for a, b in runs}


def test_a_lane_reads_its_runs_with_one_reader_where_the_file_cannot_seek(
    tmp_path, monkeypatch
):
    """Repeated pts: the packets cannot number the frames, so a reader per
    run would decode from the start each time; each lane reads all its runs
    with one, and the frames come out as a single model numbers and times
    them."""
    clip = _repeated_pts(tmp_path, seconds=12)
    config = load_config(
        overrides=["analysis.max_run_s=1.0", "analysis.min_segment_s=1.0"]
    )
    one = estimate_poses(clip, config, workers=1).frames
    real_iter_frames = pose_pass.iter_frames
    readers = []

    def reading(*args, **kwargs):
        readers.append(kwargs["start_index"])
        return real_iter_frames(*args, **kwargs)

    monkeypatch.setattr(pose_pass, "iter_frames", reading)
    two = estimate_poses(clip, config, workers=2).frames
    info = VideoInfo.from_path(clip)
    assert len(_runs(info.frame_count, 2, round(info.fps), round(info.fps))) > 2
    assert len(readers) == 2
    assert [f.frame_index for f in two] == [f.frame_index for f in one]
    assert [f.timestamp_ms for f in two] == [f.timestamp_ms for f in one]


def test_lanes_joined_by_time_where_frames_were_lost_before_a_later_run(tmp_path):
    """Frames lost to corrupt data in the first run: the later run, reached
    by seeking, numbers its frames by the packets (two ahead here), yet the
    frames come out once each, numbered and timed as one model reads them."""
    clip = encode(SPLIT_SQUAT, tmp_path / "first6s.mp4", "-t", "6", "-an", "-g", "10")
    damaged = tmp_path / "damaged.mp4"
    corrupt_packets(clip, [31, 32], damaged)
    config = load_config(overrides=["cuts.enabled=false"])
    one = estimate_poses(damaged, config, workers=1).frames
    two = estimate_poses(damaged, config, workers=2).frames
    assert len(one) == VideoInfo.from_path(damaged).frame_count - 2
    assert [f.frame_index for f in two] == list(range(len(one)))
    assert [f.timestamp_ms for f in two] == [f.timestamp_ms for f in one]


def test_the_stitcher_drops_frames_given_twice_and_renumbers():
    """Unit: a later run that overlaps the one before and is numbered ahead."""
    from formcoach.cuts import Cut
    from formcoach.pose_pass import Posed, Stitcher

    def item(index: int, ms: float, cut: Cut | None = None) -> Posed:
        pose = PoseFrame.empty(index, ms, (64, 48))
        return Posed(index, ms, None, pose, True, None, cut)

    stitch = Stitcher()
    out = []
    first = [item(i, i * 100.0) for i in range(5)]  # 0-400 ms, numbered 0-4
    # The later run gives 400-1000 ms numbered two ahead, a hard cut at 900.
    cut = Cut("hard", 10, 11, 800.0, 900.0)
    later = [item(j + 2, j * 100.0, cut if j == 9 else None) for j in range(4, 11)]
    for run in (first, later):
        stitch.next_run()
        out += [joined for joined in map(stitch, run) if joined is not None]
    assert [p.timestamp_ms for p in out] == [i * 100.0 for i in range(11)]
    assert [p.frame_index for p in out] == list(range(11))
    assert [p.pose.frame_index for p in out] == list(range(11))
    assert out[9].cut == Cut("hard", 8, 9, 800.0, 900.0)


def _repeated_pts(tmp: Path, seconds: int = 2) -> Path:
    """Every pts twice, so the second of each pair has a nudged time."""
    source = tmp / "source.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-t", str(seconds), "-i",
         "testsrc=size=64x48:rate=10", "-c:v", "mjpeg", str(source)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(source), "-c", "copy", "-bsf:v",
         "setts=ts=floor(N/2)*100", str(tmp / "dup_pts.mkv")],
        check=True,
    )  # fmt: skip
    return tmp / "dup_pts.mkv"


def _damaged(tmp: Path) -> Path:
    """Two frames lost early on: the packets number the later frames two
    ahead of a full pass, so a seek to a full pass's number lands early."""
    clip = tmp / "clean.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-t", "3", "-i",
         "testsrc=size=320x240:rate=10", "-g", "5", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", str(clip)],
        check=True,
    )  # fmt: skip
    corrupt_packets(clip, [6, 7], tmp / "damaged.mp4")
    return tmp / "damaged.mp4"


@pytest.mark.parametrize(
    ("make", "wanted"),
    [
        pytest.param(lambda tmp: SPLIT_SQUAT, [40, 41, 42, 60, 61, 150], id="sound"),
        # The packets cannot number the frames: decoded from the start.
        pytest.param(_repeated_pts, [3, 4, 5, 9, 12, 19], id="repeated-pts"),
        pytest.param(_damaged, [12, 13, 14, 20, 25], id="damaged"),
    ],
)
def test_pictures_decoded_again_are_the_frames_asked_for(tmp_path, make, wanted):
    """The pictures of runs posed ahead are decoded a second time
    (stream._Pictures): each asked-for frame gives exactly that frame, as a
    full pass numbers and times it. A time the video does not have gives
    None, and the frames after it still come."""
    from formcoach.stream import _Pictures
    from formcoach.video import iter_frames

    clip = make(tmp_path)
    frames = {f.index: f for f in iter_frames(clip, max_frames=max(wanted) + 1)}
    pictures = _Pictures(clip, 0)
    try:
        for index in wanted:
            frame = frames[index]
            if index == wanted[3]:
                between = (frames[index - 1].timestamp_ms + frame.timestamp_ms) / 2
                assert pictures.get(index, between) is None
            got = pictures.get(index, frame.timestamp_ms)
            np.testing.assert_array_equal(got, frame.image_rgb)
        assert pictures.get(10**6, 10.0**9) is None  # past the end
    finally:
        pictures.close()


def test_the_annotated_video_changes_no_result(tmp_path):
    """With the annotated video the clip is posed by as many models as
    without it (the later runs' pictures decoded again for drawing): the
    same report either way, and every frame is in the video."""
    clip = shared_clip(BANDED)
    config = load_config(overrides=["analysis.workers=2"])
    bare = analyze_video(
        clip, "reverse-lunge", tmp_path / "a", config, write_video=False
    )
    drawn = analyze_video(
        clip, "reverse-lunge", tmp_path / "b", config, write_video=True
    )
    assert drawn["summary"] == bare["summary"]
    assert drawn["reps"] == bare["reps"]
    info = VideoInfo.from_path(clip)
    assert VideoInfo.from_path(tmp_path / "b" / "annotated.mp4").frame_count == (
        info.frame_count
    )


def _posed_and_drawn(monkeypatch, clip: Path, out: Path, write_video: bool):
    """Analyse ``clip`` on two lanes; every picture posed (with its
    ``unchanged`` flag) and every picture drawn on."""
    posed: list[tuple[np.ndarray, bool]] = []  # held: no id is reused
    drawn: list[np.ndarray] = []
    process = pose.PoseEstimator.process
    annotate = FrameAnnotator.annotate

    def spy_process(self, image_rgb, *args, **kwargs):
        posed.append((image_rgb, kwargs.get("unchanged", False)))
        return process(self, image_rgb, *args, **kwargs)

    def spy_annotate(self, scene, *args, **kwargs):
        drawn.append(scene)
        return annotate(self, scene, *args, **kwargs)

    monkeypatch.setattr(pose.PoseEstimator, "process", spy_process)
    monkeypatch.setattr(FrameAnnotator, "annotate", spy_annotate)
    config = load_config(overrides=["analysis.workers=2"])
    analyze_video(clip, "reverse-lunge", out, config, write_video=write_video)
    return posed, drawn


@pytest.mark.parametrize("write_video", [True, False], ids=["video", "no-video"])
def test_no_picture_drawn_on_was_posed_as_unchanged(
    tmp_path, monkeypatch, short_clip, write_video
):
    """The pose model's file of results holds the pictures it answered
    without copying them only when nobody draws on them later: the pictures
    of the annotated video must have been posed with ``unchanged=False``."""
    posed, drawn = _posed_and_drawn(monkeypatch, short_clip, tmp_path, write_video)
    unchanged = {id(image) for image, flag in posed if flag}
    frames = VideoInfo.from_path(short_clip).frame_count
    assert len(posed) >= frames
    if write_video:
        assert len(drawn) == frames
        assert not unchanged & {id(scene) for scene in drawn}
    else:
        assert not drawn and len(unchanged) == len(posed)


@pytest.mark.shared
def test_the_later_lanes_pictures_are_posed_as_unchanged(tmp_path, monkeypatch):
    """A clip long enough for two lanes: the second lane's pictures are not
    drawn on (the video decodes them again), so they are held uncopied."""
    posed, drawn = _posed_and_drawn(monkeypatch, shared_clip(BANDED), tmp_path, True)
    unchanged = {id(image) for image, flag in posed if flag}
    assert unchanged and not unchanged & {id(scene) for scene in drawn}
    assert len(drawn) == VideoInfo.from_path(shared_clip(BANDED)).frame_count
