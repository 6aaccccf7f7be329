"""The pose model without the one output FormCoach never asks for: the mask.

BlazePose GHUM's landmark model computes five outputs on every frame: the 39
landmarks, a "a person is here" score, a segmentation mask of the person
(256 × 256), a heatmap that MediaPipe uses to refine the landmarks, and the
world landmarks. FormCoach never asks MediaPipe for the mask
(``output_segmentation_masks`` stays off), yet the model computes it all the
same: 46 of the full model's 332 operations form a decoder at 128 × 128 and
256 × 256 that feeds nothing else, about a fifth of the model's time on a
2-core machine (``docs/performance.md``, session 20).

:func:`without_segmentation` rewrites the landmark model inside a ``.task``
bundle: the operations that only the mask needs are dropped and the mask
becomes a constant zero of the same shape (one ``BROADCAST_TO``), so
MediaPipe's graph still finds the five outputs it expects. The other four
outputs come from the same operations on the same weights, so the landmarks,
world landmarks, presence and heatmap are bit-for-bit those of the model as
built (``tests/test_pose_model_trim.py`` checks it on real frames).
``pose.skip_mask = false`` runs the model as built.

Trimming takes 0.1-0.2 s of Python, holding the GIL, at every start of a
process. :func:`kept_without_segmentation` keeps the result in the cache
folder, so a later process reads it (a few ms) instead.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from .errors import OutputError
from .outputs import write_bytes_atomic
from .paths import TRIMMED_MODEL_PREFIX
from .slow_imports import mediapipe

logger = logging.getLogger(__name__)

#: The landmark model's name inside a pose landmarker ``.task`` bundle.
LANDMARK_MODEL = "pose_landmarks_detector.tflite"

#: Part of a kept copy's name: raise it whenever this module could trim a
#: bundle differently, so copies made by older code are not used.
TRIM_FORMAT = 1


class NotTrimmable(ValueError):
    """The model is not laid out as expected; it is used as it is."""


def _schema() -> Any:
    """TFLite's flatbuffer schema (object API), as MediaPipe ships it."""
    mediapipe()  # the package through the project's one guarded import
    try:
        return importlib.import_module("mediapipe.tasks.metadata.schema_py_generated")
    except ImportError as exc:  # a MediaPipe build without it
        raise NotTrimmable(f"no TFLite schema to read the model with: {exc}") from exc


def _mask_output(graph: Any, schema: Any) -> int:
    """The index in ``graph.outputs`` of the segmentation mask.

    The mask is the one float output shaped like the input picture with a
    single channel (1 × H × W × 1).
    """
    height, width = (int(v) for v in graph.tensors[graph.inputs[0]].shape[1:3])
    found = [
        i
        for i, tensor_index in enumerate(graph.outputs)
        if [int(v) for v in graph.tensors[tensor_index].shape] == [1, height, width, 1]
        and graph.tensors[tensor_index].type == schema.TensorType.FLOAT32
    ]
    if len(found) != 1:
        raise NotTrimmable(
            f"expected one 1x{height}x{width}x1 float output (the mask), "
            f"found {len(found)}"
        )
    return found[0]


def _needed_operators(graph: Any, targets: list[int]) -> set[int]:
    """Indices of the operators whose results ``targets`` (tensors) depend on."""
    producer = {
        int(out): k for k, op in enumerate(graph.operators) for out in op.outputs
    }
    needed: set[int] = set()
    stack = [int(t) for t in targets]
    while stack:
        k = producer.get(stack.pop())
        if k is not None and k not in needed:
            needed.add(k)
            stack.extend(int(t) for t in graph.operators[k].inputs if t >= 0)
    return needed


def trim_landmark_model(model: bytes) -> bytes:
    """The landmark model (a ``.tflite`` file) without its mask operations.

    Args:
        model: A BlazePose landmark model.

    Returns:
        The model whose mask output is a constant zero, every other output
        computed as before.

    Raises:
        NotTrimmable: The model has no single mask output, several subgraphs,
            or an output that needs the mask.
    """
    if model[4:8] != b"TFL3":  # TFLite's flatbuffer file identifier
        raise NotTrimmable("not a TFLite model")
    schema = _schema()
    flatbuffers = importlib.import_module("flatbuffers")  # MediaPipe's own dependency
    try:
        tree = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    except Exception as exc:  # a flatbuffer that does not parse
        raise NotTrimmable(f"not a TFLite model: {exc}") from exc
    if len(tree.subgraphs or []) != 1:
        raise NotTrimmable("expected one subgraph")
    graph = tree.subgraphs[0]
    mask_at = _mask_output(graph, schema)
    mask = int(graph.outputs[mask_at])
    others = [int(t) for i, t in enumerate(graph.outputs) if i != mask_at]
    keep = _needed_operators(graph, others)
    producer = next(
        (k for k, op in enumerate(graph.operators) if mask in op.outputs), None
    )
    if producer is None or producer in keep:
        raise NotTrimmable("another output needs the mask")

    def constant(name: bytes, values: np.ndarray, kind: int) -> int:
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(values.tobytes(), dtype=np.uint8)
        tree.buffers.append(buffer)
        tensor = schema.TensorT()
        tensor.name = name
        tensor.shape = np.array(values.shape, dtype=np.int32)
        tensor.type = kind
        tensor.buffer = len(tree.buffers) - 1
        graph.tensors.append(tensor)
        return len(graph.tensors) - 1

    float32 = schema.TensorType.FLOAT32
    zero = constant(b"formcoach/mask_zero", np.zeros((1, 1, 1, 1), np.float32), float32)
    shape = np.array([int(v) for v in graph.tensors[mask].shape], np.int32)
    mask_shape = constant(b"formcoach/mask_shape", shape, schema.TensorType.INT32)
    code = schema.OperatorCodeT()
    code.builtinCode = schema.BuiltinOperator.BROADCAST_TO
    # Builtin codes above 127 keep this placeholder in the old int8 field.
    code.deprecatedBuiltinCode = 127
    code.version = 2
    tree.operatorCodes.append(code)
    broadcast = schema.OperatorT()
    broadcast.opcodeIndex = len(tree.operatorCodes) - 1
    broadcast.inputs = np.array([zero, mask_shape], np.int32)
    broadcast.outputs = np.array([mask], np.int32)
    broadcast.builtinOptionsType = schema.BuiltinOptions.BroadcastToOptions
    broadcast.builtinOptions = schema.BroadcastToOptionsT()
    graph.operators = [op for k, op in enumerate(graph.operators) if k in keep] + [
        broadcast
    ]

    builder = flatbuffers.Builder(len(model))
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def without_segmentation(bundle: bytes) -> bytes:
    """A pose landmarker ``.task`` bundle whose landmark model skips the mask.

    A bundle laid out otherwise (another model, a file that is not a zip) is
    returned as it is, with the reason logged: it still runs, at its own cost.

    Args:
        bundle: The bytes of a ``.task`` file.

    Returns:
        The bundle with its landmark model trimmed (:func:`trim_landmark_model`),
        the other members byte for byte, in the same order, uncompressed
        (MediaPipe maps the models in place).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(bundle)) as source:
            members = [(info, source.read(info)) for info in source.infolist()]
        if LANDMARK_MODEL not in [info.filename for info, _ in members]:
            raise NotTrimmable(f"no {LANDMARK_MODEL} in the bundle")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
            for info, data in members:
                if info.filename == LANDMARK_MODEL:
                    data = trim_landmark_model(data)
                target.writestr(
                    zipfile.ZipInfo(info.filename, date_time=info.date_time), data
                )
    except (NotTrimmable, zipfile.BadZipFile) as exc:
        logger.info("The pose model runs as built (its mask kept): %s", exc)
        return bundle
    return out.getvalue()


def kept_without_segmentation(bundle: bytes, folder: Path | None) -> bytes:
    """:func:`without_segmentation`, kept in ``folder`` for later processes.

    The copy is named by the hash of ``bundle`` and :data:`TRIM_FORMAT`, so a
    changed model or a changed trim never finds a stale copy, and it is
    written atomically, so a reader never sees half a file. A copy that is
    not a zip holding the landmark model, or whose model fails the zip's
    CRC, is made again. A folder that cannot
    be read or written costs only the time: the trim is then made in memory.

    Args:
        bundle: The bytes of a ``.task`` file.
        folder: Where copies are kept (the cache folder), or None for none.

    Returns:
        The same bytes as ``without_segmentation(bundle)``.
    """
    if folder is None:
        return without_segmentation(bundle)
    prefix = f"{TRIMMED_MODEL_PREFIX}{TRIM_FORMAT}-"
    kept = folder / f"{prefix}{xxhash.xxh3_128(bundle).hexdigest()}.task"
    try:
        data = kept.read_bytes()
        if is_pose_bundle(data, read_model=True):
            return data
        logger.info("%s is damaged; the pose model is trimmed again", kept)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.info("cannot read %s: %s", kept, exc)
    trimmed = without_segmentation(bundle)
    if trimmed is bundle:  # not trimmable: nothing worth keeping
        return trimmed
    try:
        write_bytes_atomic(kept, trimmed, overwrite=True)
    except OutputError as exc:  # a read-only or full folder
        logger.info("the trimmed pose model is not kept: %s", exc)
        return trimmed
    # Copies made by an older trim (another TRIM_FORMAT) are never read again.
    for old in folder.glob(f"{TRIMMED_MODEL_PREFIX}*.task"):
        if not old.name.startswith(prefix):
            with contextlib.suppress(OSError):
                old.unlink()
    return trimmed


def is_pose_bundle(data: bytes, *, read_model: bool = False) -> bool:
    """Whether ``data`` is a zip with a landmark model in it.

    Args:
        data: The bytes of a ``.task`` file.
        read_model: Also read the landmark model: its bytes must pass the
            zip's CRC and be a TFLite file. Otherwise only its name is looked
            for.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not read_model:
                return LANDMARK_MODEL in archive.namelist()
            return archive.read(LANDMARK_MODEL)[4:8] == b"TFL3"
    except (zipfile.BadZipFile, KeyError):
        return False
