"""The file of the pose model's results: the same results, bit for bit, with
and without it, and the model skipped when a video is posed again."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import subprocess
import sys
import textwrap
import zipfile
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from formcoach import pose_cache
from formcoach.pose import PoseEstimator, PoseFrame, PoseOptions
from formcoach.pose_cache import (
    CachedGraph,
    PoseCacheSettings,
    PoseStore,
    decode_result,
    encode_result,
)
from formcoach.settings import load_config
from formcoach.video import iter_frames

from .conftest import BUNDLED_CLIP


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A data folder of the test's own, holding an empty file of results."""
    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FORMCOACH_CACHE")
    return tmp_path / "home"


@pytest.fixture(scope="module")
def pictures() -> list[tuple[np.ndarray, float]]:
    """40 frames of the bundled clip (the man on the box, then the walker)."""
    return [
        (f.image_rgb, f.timestamp_ms) for f in iter_frames(BUNDLED_CLIP, max_frames=40)
    ]


def options(**cache: float) -> PoseOptions:
    """The analysis's model options (people choice on), with the file's settings."""
    base = PoseOptions.from_config(load_config())
    assert base.cache is not None and base.cache.enabled
    return dataclasses.replace(base, cache=dataclasses.replace(base.cache, **cache))


def pose(
    opts: PoseOptions, frames: list[tuple[np.ndarray, float]], start_over_at: int = -1
) -> tuple[list[PoseFrame], dict[str, int]]:
    """Pose ``frames`` with a fresh model; the model's hits and misses."""
    with PoseEstimator(opts) as model:
        out = []
        for k, (image, ts) in enumerate(frames):
            if k == start_over_at:
                model.start_over()
            out.append(model.process(image, ts, k))
        counts = {"hits": 0, "misses": 0}
        for graph in (model._landmarker, model._scout):
            if isinstance(graph, CachedGraph):
                counts["hits"] += graph.hits
                counts["misses"] += graph.misses
    return out, counts


def assert_same(got: list[PoseFrame], want: list[PoseFrame]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for field in ("xy", "z", "world_xyz", "visibility", "presence"):
            np.testing.assert_array_equal(getattr(g, field), getattr(w, field))


def test_a_clip_posed_again_comes_from_the_file_bit_for_bit(home, pictures):
    alone, counts = pose(dataclasses.replace(options(), cache=None), pictures)
    assert counts == {"hits": 0, "misses": 0}
    first, counts = pose(options(), pictures)
    assert counts["hits"] == 0 and counts["misses"] >= len(pictures)
    again, counts = pose(options(), pictures)
    assert counts["misses"] == 0 and counts["hits"] >= len(pictures)
    assert sum(not p.is_empty() for p in again) > 30  # people were found
    assert_same(first, alone)
    assert_same(again, alone)
    assert (home / "pose-cache.sqlite").is_file()


@pytest.mark.parametrize(
    "hold_mb",
    [
        pytest.param(2000.0, id="pictures-held-until-the-miss"),
        pytest.param(0.0, id="no-room-every-picture-to-the-model-at-once"),
    ],
)
def test_a_later_difference_gives_what_the_model_alone_gives(home, pictures, hold_mb):
    """Filed for one clip; then the same first 20 frames and other ones after
    them: the model catches up on the 20 before the first miss."""
    pose(options(hold_mb=hold_mb), pictures)
    changed = pictures[:20] + [(cv2.flip(im, 1), ts) for im, ts in pictures[20:]]
    got, counts = pose(options(hold_mb=hold_mb), changed)
    assert counts["hits"] >= 20 and counts["misses"] >= 20
    want, _ = pose(dataclasses.replace(options(), cache=None), changed)
    assert_same(got, want)


def test_a_model_started_over_is_keyed_by_what_it_saw_before(home, pictures):
    """``start_over`` gives the graphs an empty picture: that is in the key."""
    pose(options(), pictures, start_over_at=25)
    _, counts = pose(options(), pictures, start_over_at=25)
    assert counts["misses"] == 0
    other, counts = pose(options(), pictures, start_over_at=30)
    assert counts["misses"] > 0  # from frame 25 on, another stream
    want, _ = pose(dataclasses.replace(options(), cache=None), pictures, 30)
    assert_same(other, want)


def test_pictures_drawn_on_after_posing_do_not_change_the_catch_up(home, pictures):
    """The analysis draws the annotated video on the decoder's own arrays."""
    pose(options(), pictures)
    changed = [(im.copy(), ts) for im, ts in pictures[:20]]
    changed += [(cv2.flip(im, 1), ts) for im, ts in pictures[20:]]
    want, _ = pose(dataclasses.replace(options(), cache=None), changed)
    with PoseEstimator(options()) as model:
        got = []
        for k, (image, ts) in enumerate(changed):
            got.append(model.process(image, ts, k))
            image[:] = 0  # drawn on, after the model had it
    assert_same(got, want)


@pytest.mark.parametrize("unchanged", [True, False], ids=["as-it-is", "copied"])
def test_a_picture_nobody_changes_is_held_without_a_copy(home, pictures, unchanged):
    """A hit holds its picture for a later catch-up: the caller's own array
    when it says nobody changes it, else a copy; the catch-up is right both
    ways."""
    pose(options(), pictures)
    changed = pictures[:20] + [(cv2.flip(im, 1), ts) for im, ts in pictures[20:]]
    want, _ = pose(dataclasses.replace(options(), cache=None), changed)
    with PoseEstimator(options()) as model:
        got = []
        for k, (image, ts) in enumerate(changed):
            got.append(model.process(image, ts, k, unchanged=unchanged))
            if k == 5:
                held = model._landmarker._behind[-1][0]
                assert (held is image) == unchanged
                np.testing.assert_array_equal(held, image)
    assert_same(got, want)


def test_an_unusable_file_leaves_the_model_running(home, pictures, caplog):
    (home / "pose-cache.sqlite").mkdir(parents=True)  # not a database
    with caplog.at_level(logging.WARNING, logger="formcoach.pose_cache"):
        got, counts = pose(options(), pictures[:5])
    assert counts == {"hits": 0, "misses": 0}
    assert "pose cache" in caplog.text
    want, _ = pose(dataclasses.replace(options(), cache=None), pictures[:5])
    assert_same(got, want)


def test_a_cache_folder_that_cannot_be_made_leaves_the_model_running(
    home, pictures, monkeypatch, tmp_path
):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("FORMCOACH_CACHE", str(tmp_path / "a-file" / "cache"))
    got, counts = pose(options(), pictures[:3])
    assert counts == {"hits": 0, "misses": 0}
    want, _ = pose(dataclasses.replace(options(), cache=None), pictures[:3])
    assert_same(got, want)


def test_the_cache_switched_off_writes_no_file(home, pictures):
    pose(options(enabled=False), pictures[:3])
    assert not (home / "pose-cache.sqlite").exists()


def test_the_file_keeps_under_its_size_limit(tmp_path):
    store = PoseStore(tmp_path / "c.sqlite", max_mb=0.2)
    for k in range(600):
        store.put(k.to_bytes(16, "little"), bytes(1100))
    store.close()
    store = PoseStore(tmp_path / "c.sqlite", max_mb=0.2)
    assert store.get((599).to_bytes(16, "little")) is not None  # the newest stay
    assert store.get((0).to_bytes(16, "little")) is None  # the oldest went
    store.close()


def test_a_result_reads_back_as_the_model_gave_it():
    point = SimpleNamespace
    result = SimpleNamespace(
        pose_landmarks=[
            [point(x=0.25, y=0.5, z=-0.125, visibility=0.75, presence=None)] * 33,
            [point(x=1.5, y=0.1, z=0.0, visibility=None, presence=0.5)] * 33,
        ],
        pose_world_landmarks=[[point(x=0.1, y=-0.2, z=0.3)] * 33] * 2,
    )
    back = decode_result(encode_result(result))
    assert len(back.pose_landmarks) == 2 and len(back.pose_world_landmarks) == 2
    first = back.pose_landmarks[0][0]
    assert (first.x, first.y, first.z, first.visibility) == (0.25, 0.5, -0.125, 0.75)
    assert first.presence is None and back.pose_landmarks[1][0].visibility is None
    # float32, as the model's own numbers are
    assert back.pose_world_landmarks[0][0].x == float(np.float32(0.1))
    nobody = SimpleNamespace(pose_landmarks=[], pose_world_landmarks=None)
    empty = decode_result(encode_result(nobody))
    assert empty.pose_landmarks == [] and empty.pose_world_landmarks == []
    assert not math.isnan(back.pose_landmarks[1][0].presence)


def test_the_key_starts_from_the_model_its_options_and_the_machine():
    seed = pose_cache.chain_seed(b"m" * 16, "landmarker", (1, 0.5))
    assert seed == pose_cache.chain_seed(b"m" * 16, "landmarker", (1, 0.5))
    assert seed != pose_cache.chain_seed(b"n" * 16, "landmarker", (1, 0.5))
    assert seed != pose_cache.chain_seed(b"m" * 16, "scout", (1, 0.5))
    assert seed != pose_cache.chain_seed(b"m" * 16, "landmarker", (2, 0.5))


def test_live_coaching_keeps_no_results(home):
    from formcoach.live_session import LiveSession

    with LiveSession("reverse-lunge", load_config()) as live:
        assert live.estimator.options.cache is None
    assert not (home / "pose-cache.sqlite").exists()


def test_settings_are_read_from_the_config():
    settings = PoseCacheSettings.from_config(
        load_config(overrides=["pose.cache.hold_mb=10", "pose.cache.enabled=false"])
    )
    assert settings == PoseCacheSettings(enabled=False, max_mb=500.0, hold_mb=10.0)


def test_a_clip_posed_again_builds_no_graph(home, pictures):
    pose(options(), pictures[:10])
    with PoseEstimator(options()) as model:
        graphs = (model._landmarker, model._scout)
        assert all(isinstance(g, CachedGraph) and not g.built for g in graphs)
        for k, (image, ts) in enumerate(pictures[:10]):
            model.process(image, ts, k)
        # Every result came from the file: building (0.1 s each) was skipped.
        assert not any(g.built for g in graphs)
        assert sum(g.hits for g in graphs) >= 10
        # The first result the file lacks builds the graph that needs it.
        image, ts = pictures[10]
        model.process(image, ts, 10)
        assert model._landmarker.built and model._landmarker.misses == 1
        model.build()
        assert model._scout.built


def test_a_broken_model_is_named_with_the_file_of_results_on(home, tmp_path, pictures):
    from formcoach.errors import InputError

    not_a_bundle = tmp_path / "garbage.task"
    not_a_bundle.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a usable pose landmarker model"):
        PoseEstimator(dataclasses.replace(options(), model_path=not_a_bundle))
    # A zip that names a landmark model but holds none: refused when the model
    # is first needed, with the same message.
    hollow = tmp_path / "hollow.task"
    with zipfile.ZipFile(hollow, "w") as archive:
        archive.writestr("pose_landmarks_detector.tflite", b"TFL3 but no model")
        archive.writestr("pose_detector.tflite", b"nor here")
    with PoseEstimator(dataclasses.replace(options(), model_path=hollow)) as model:
        with pytest.raises(InputError, match="not a usable pose landmarker model"):
            model.process(*pictures[0], 0)


ANALYSE_AND_LIST_MODULES = textwrap.dedent(
    """
    import json
    import sys

    from formcoach import cli

    assert cli.main(sys.argv[1:]) == 0
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("mediapipe"))))
    """
)


def test_a_video_analysed_again_does_not_import_mediapipe(tmp_path, short_clip):
    """Every result from the file: neither graph is built, so MediaPipe (about
    half a second of CPU to import) is not even imported; the same report."""
    env = {**os.environ, "FORMCOACH_HOME": str(tmp_path / "home")}
    env.pop("FORMCOACH_CACHE", None)

    def analyse(out: str) -> list[str]:
        command = [
            sys.executable, "-c", ANALYSE_AND_LIST_MODULES, "analyze",
            str(short_clip), "--exercise", "reverse-lunge", "--no-video",
            "--no-history", "--quiet", "--out", str(tmp_path / out),
        ]  # fmt: skip
        proc = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert "mediapipe" in analyse("first")
    assert analyse("again") == []
    first = (tmp_path / "first" / "frames.csv").read_bytes()
    assert (tmp_path / "again" / "frames.csv").read_bytes() == first
