"""The pose model without its segmentation mask: the same landmarks, bit for bit."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import io
import pathlib
import zipfile

import numpy as np
import pytest
import xxhash

from formcoach import paths, pose, pose_model_trim
from formcoach.paths import TRIMMED_MODEL_PREFIX
from formcoach.pose import (
    BUNDLED_MODELS,
    PoseEstimator,
    PoseOptions,
    _model_digest,
)
from formcoach.pose_model_trim import (
    LANDMARK_MODEL,
    TRIM_FORMAT,
    NotTrimmable,
    _schema,
    kept_without_segmentation,
    trim_landmark_model,
    without_segmentation,
)
from formcoach.settings import load_config
from formcoach.video import iter_frames

from .conftest import BUNDLED_CLIP, shared_clip

POSE_FIELDS = ("xy", "z", "world_xyz", "visibility", "presence")


def _member(bundle: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return archive.read(name)


def _graph(model: bytes):
    schema = _schema()
    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    graph = tree.subgraphs[0]
    ops = [
        names[tree.operatorCodes[op.opcodeIndex].builtinCode] for op in graph.operators
    ]
    shapes = [[int(v) for v in graph.tensors[t].shape] for t in graph.outputs]
    return graph, ops, shapes


def _poses(model: str, skip_mask: bool, frames) -> list:
    options = dataclasses.replace(
        PoseOptions(model_path=BUNDLED_MODELS[model]), skip_mask=skip_mask
    )
    with PoseEstimator(options) as estimator:
        return [estimator.process(f.image_rgb, f.timestamp_ms, f.index) for f in frames]


@pytest.mark.parametrize("model", ["full", "lite"])
def test_trimmed_model_keeps_every_output_but_computes_no_mask(model):
    bundle = BUNDLED_MODELS[model].read_bytes()
    _, ops, shapes = _graph(_member(bundle, LANDMARK_MODEL))
    _, trimmed_ops, trimmed_shapes = _graph(
        _member(without_segmentation(bundle), LANDMARK_MODEL)
    )
    # MediaPipe's graph still finds its five outputs, mask included.
    assert trimmed_shapes == shapes
    assert [1, 256, 256, 1] in shapes
    # The mask's decoder is gone: one BROADCAST_TO of a zero stands for it.
    assert trimmed_ops[-1] == "BROADCAST_TO"
    assert "BROADCAST_TO" not in ops
    assert len(trimmed_ops) < len(ops) - 20
    assert trimmed_ops.count("CONV_2D") < ops.count("CONV_2D")


@pytest.mark.parametrize("model", ["full", "lite"])
@pytest.mark.parametrize(
    "clip",
    [
        pytest.param(lambda: BUNDLED_CLIP, id="sports2d-walk"),
        pytest.param(
            lambda: shared_clip("rnhrn/banded_reverse_lunges_side.mp4"),
            id="banded-lunge",
        ),
    ],
)
def test_trimmed_model_gives_the_same_poses_bit_for_bit(model, clip):
    frames = list(iter_frames(clip(), max_frames=45))
    as_built = _poses(model, False, frames)
    trimmed = _poses(model, True, frames)
    assert sum(np.isfinite(p.xy).all() for p in as_built) >= 40
    for built, trim in zip(as_built, trimmed, strict=True):
        for field in POSE_FIELDS:
            np.testing.assert_array_equal(getattr(trim, field), getattr(built, field))


def test_trimming_is_reproducible_and_keeps_the_detector():
    bundle = BUNDLED_MODELS["full"].read_bytes()
    once, twice = without_segmentation(bundle), without_segmentation(bundle)
    assert once == twice != bundle
    assert _member(once, "pose_detector.tflite") == _member(
        bundle, "pose_detector.tflite"
    )
    with zipfile.ZipFile(io.BytesIO(once)) as archive:
        # Uncompressed, as MediaPipe maps the models in place.
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_a_model_without_a_mask_is_not_trimmed():
    detector = _member(BUNDLED_MODELS["full"].read_bytes(), "pose_detector.tflite")
    with pytest.raises(NotTrimmable, match="the mask"):
        trim_landmark_model(detector)
    with pytest.raises(NotTrimmable, match="not a TFLite model"):
        trim_landmark_model(b"\x00" * 64)


@pytest.mark.parametrize(
    "bundle",
    [b"not a zip", b"PK\x05\x06" + b"\x00" * 18],
    ids=["garbage", "empty-zip"],
)
def test_a_bundle_laid_out_otherwise_runs_as_it_is(bundle):
    assert without_segmentation(bundle) == bundle


def test_the_setting_turns_it_off_and_the_results_file_tells_them_apart():
    assert PoseOptions.from_config(load_config()).skip_mask is True
    off = PoseOptions.from_config(load_config(overrides=["pose.skip_mask=false"]))
    assert off.skip_mask is False
    path = str(BUNDLED_MODELS["full"])
    # Kept results are keyed by the model that ran.
    assert _model_digest(path, True) != _model_digest(path, False)


def _kept(folder):
    return sorted(p.name for p in folder.glob(f"{TRIMMED_MODEL_PREFIX}*"))


def test_the_trimmed_model_is_kept_and_read_back(tmp_path, monkeypatch):
    bundle = BUNDLED_MODELS["full"].read_bytes()
    first = kept_without_segmentation(bundle, tmp_path)
    assert first == without_segmentation(bundle)
    assert _kept(tmp_path) == [
        f"{TRIMMED_MODEL_PREFIX}{TRIM_FORMAT}-"
        f"{xxhash.xxh3_128(bundle).hexdigest()}.task"
    ]

    # A later process reads the copy instead of trimming again.
    def no_trim(_bundle):
        raise AssertionError("trimmed again")

    monkeypatch.setattr(pose_model_trim, "without_segmentation", no_trim)
    assert kept_without_segmentation(bundle, tmp_path) == first


def test_each_model_has_its_copy_and_older_trims_go(tmp_path):
    stale = tmp_path / f"{TRIMMED_MODEL_PREFIX}{TRIM_FORMAT - 1}-0123.task"
    stale.write_bytes(b"an older trim")
    unrelated = tmp_path / "pose-cache.sqlite"
    unrelated.write_bytes(b"results")
    full = kept_without_segmentation(BUNDLED_MODELS["full"].read_bytes(), tmp_path)
    lite = kept_without_segmentation(BUNDLED_MODELS["lite"].read_bytes(), tmp_path)
    assert full != lite
    assert len(_kept(tmp_path)) == 2
    assert not stale.exists() and unrelated.exists()


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: b"", lambda data: b"x" * 99],
    ids=["truncated", "empty", "garbage"],
)
def test_a_damaged_copy_is_made_again(tmp_path, damage):
    bundle = BUNDLED_MODELS["lite"].read_bytes()
    good = kept_without_segmentation(bundle, tmp_path)
    (copy,) = tmp_path.glob(f"{TRIMMED_MODEL_PREFIX}*")
    copy.write_bytes(damage(good))
    assert kept_without_segmentation(bundle, tmp_path) == good
    assert copy.read_bytes() == good


def test_a_folder_that_cannot_be_written_costs_only_the_time(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way")
    bundle = BUNDLED_MODELS["lite"].read_bytes()
    assert kept_without_segmentation(bundle, not_a_folder) == without_segmentation(
        bundle
    )
    assert kept_without_segmentation(bundle, None) == without_segmentation(bundle)


def test_a_bundle_that_is_not_trimmed_is_not_kept(tmp_path):
    assert kept_without_segmentation(b"not a zip", tmp_path) == b"not a zip"
    assert _kept(tmp_path) == []


def test_the_model_is_trimmed_once_however_many_lanes_ask(monkeypatch):
    calls = []
    real = pose_model_trim.without_segmentation

    def counted(bundle):
        calls.append(1)
        return real(bundle)

    monkeypatch.setattr(pose_model_trim, "without_segmentation", counted)
    pose._read_model.cache_clear()
    path = str(BUNDLED_MODELS["lite"])
    for copy in pathlib.Path(paths.cache_dir()).glob(f"{TRIMMED_MODEL_PREFIX}*"):
        copy.unlink()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda _: pose._model_bytes(path, True), range(4)))
    finally:
        pose._read_model.cache_clear()
    assert len(calls) == 1
    assert all(data is got[0] for data in got)


def test_forgetting_everything_removes_the_kept_model():
    pose._read_model.cache_clear()
    try:
        pose._model_bytes(str(BUNDLED_MODELS["lite"]), True)
    finally:
        pose._read_model.cache_clear()
    folder = paths.cache_dir()
    assert _kept(folder)
    removed = paths.forget_everything()
    assert not _kept(folder)
    assert any(name.startswith(TRIMMED_MODEL_PREFIX) for name in removed)
