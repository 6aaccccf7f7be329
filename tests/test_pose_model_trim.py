"""The pose model without its segmentation mask: the same landmarks, bit for bit."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import numpy as np
import pytest

from formcoach.pose import (
    BUNDLED_MODELS,
    PoseEstimator,
    PoseOptions,
    _model_digest,
)
from formcoach.pose_model_trim import (
    LANDMARK_MODEL,
    NotTrimmable,
    _schema,
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
