"""Pose estimation: MediaPipe's Tasks ``PoseLandmarker`` behind a small typed API.

One :class:`PoseEstimator` serves one video stream (one file, or one user's
webcam): MediaPipe's VIDEO mode tracks the person between frames, so an
estimator must never be shared between streams. It returns one
:class:`PoseFrame` per input frame with the main subject's 33 landmarks in
pixels, metres (world) and with their visibility, or an empty frame when no one
is found.

The default model is BlazePose *full*, bundled in ``models/`` with the faster
*lite* one (``pose.model``; see ``models/README.md`` for where they come from
and ``docs/performance.md`` for what lite costs in accuracy); nothing is
downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .config_values import flag, integer, number, text
from .errors import InputError
from .landmarks import MIRROR_PERMUTATION, NUM_LANDMARKS, Landmark
from .paths import cache_dir
from .people import (
    PeopleSettings,
    PersonChoice,
    PersonChooser,
    crop_window,
    hip_centre,
    landmark_box,
    mask_others,
)
from .pose_cache import (
    CachedGraph,
    ModelGraph,
    PoseCacheSettings,
    PoseStore,
    chain_seed,
    model_digest,
)
from .pose_model_trim import is_pose_bundle, kept_without_segmentation
from .slow_imports import mediapipe

if TYPE_CHECKING:
    from .settings import Config

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The bundled BlazePose variants (``pose.model``), built by
#: ``tools/build_pose_model.py``.
BUNDLED_MODELS = {
    "full": REPO_ROOT / "models" / "pose_landmarker_full.task",
    "lite": REPO_ROOT / "models" / "pose_landmarker_lite.task",
}
#: sha256 of each bundle (also in models/README.md).
BUNDLED_MODEL_SHA256 = {
    "full": "a90475331764cf28cf2786e1176124bd6c34453eacf919600a4b2ee836ee82a3",
    "lite": "2b4710b8fa52288218c8008bab451a02e83ab50f0b66abacd295be235758ae39",
}
DEFAULT_MODEL_PATH = BUNDLED_MODELS["full"]
DEFAULT_MODEL_SHA256 = BUNDLED_MODEL_SHA256["full"]

# Older MediaPipe builds logged through glog and honour these (set before
# mediapipe is imported); mediapipe 1.2 logs through absl, which ignores them:
# :class:`_NativeStderr` keeps its lines off the terminal.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _writes_to_fd2(stream: Any) -> bool:
    try:
        return stream is not None and stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


class _NativeStderr:
    """One process-wide redirect of file descriptor 2 while pose models live.

    The native side writes straight to fd 2, bypassing Python: LiteRT prints
    dozens of warnings ("Sparsity tensors may not yet be fully supported")
    when a model loads, and MediaPipe's graph logs absl lines
    (``W0000 ... landmark_projection_calculator.cc``) from its own threads on
    the first tracked frames, that is inside ``detect_for_video``, not only at
    start-up. absl ignores ``GLOG_minloglevel`` and friends, so fd 2 is sent to
    /dev/null from the first estimator's start to the last one's close.

    Reference-counted under a lock: the first user redirects, the last one
    restores the saved descriptor (several estimators run in parallel
    threads; each saving and restoring fd 2 on its own left /dev/null behind).
    Python's own messages still reach the real stderr meanwhile: while the
    redirect is active ``sys.stderr`` and the logging handlers that wrote to
    fd 2 write to a copy of the original descriptor instead.

    Set ``FORMCOACH_NATIVE_LOGS=1`` to see the native lines.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved_fd = -1
        self._stream: Any = None
        self._old_sys_stderr: Any = None
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    def acquire(self) -> bool:
        """Start (or join) the redirect; False when native logs are wanted."""
        if os.environ.get("FORMCOACH_NATIVE_LOGS") == "1":
            return False
        with self._lock:
            if self._users == 0:
                self._start()
            self._users += 1
        return True

    def release(self) -> None:
        """Leave the redirect; the last user restores fd 2."""
        with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if self._users == 0:
                self._stop()

    def _start(self) -> None:
        for stream in (sys.stderr, sys.__stderr__):
            with contextlib.suppress(Exception):
                stream.flush()
        self._saved_fd = os.dup(2)
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        # Its own descriptor, closed with the object: a reference kept past
        # the redirect still writes to the terminal, never to a reused fd.
        self._stream = open(
            os.dup(self._saved_fd),
            "w",
            buffering=1,
            encoding=encoding,
            errors="backslashreplace",
        )
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
        if _writes_to_fd2(sys.stderr):
            self._old_sys_stderr = sys.stderr
            sys.stderr = self._stream
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for log in loggers:
            for handler in getattr(log, "handlers", []):
                if isinstance(handler, logging.StreamHandler) and _writes_to_fd2(
                    handler.stream
                ):
                    self._handlers.append((handler, handler.setStream(self._stream)))

    def _stop(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.flush()
        for handler, stream in self._handlers:
            if handler.stream is self._stream:
                handler.setStream(stream)
        self._handlers = []
        if self._old_sys_stderr is not None and sys.stderr is self._stream:
            sys.stderr = self._old_sys_stderr
        self._old_sys_stderr = None
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        self._saved_fd = -1


_native_stderr = _NativeStderr()


@dataclass(frozen=True)
class PoseFrame:
    """The main subject's landmarks in one frame.

    Attributes:
        frame_index: 0-based index of the frame in its stream.
        timestamp_ms: Presentation time of the frame.
        resolution_wh: ``(width, height)`` of the frame in pixels.
        xy: ``(33, 2)`` float32 pixel coordinates; NaN when no person.
        z: ``(33,)`` float32 relative depth (MediaPipe's image ``z``, in the
            same scale as x pixels, smaller is nearer the camera).
        world_xyz: ``(33, 3)`` float32 metres, origin between the hips.
        visibility: ``(33,)`` float32 in [0, 1]: how likely the point is seen.
        presence: ``(33,)`` float32 in [0, 1]: how likely the point is in frame.
    """

    frame_index: int
    timestamp_ms: float
    resolution_wh: tuple[int, int]
    xy: npt.NDArray[np.float32]
    z: npt.NDArray[np.float32]
    world_xyz: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    presence: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        expected = {
            "xy": (NUM_LANDMARKS, 2),
            "z": (NUM_LANDMARKS,),
            "world_xyz": (NUM_LANDMARKS, 3),
            "visibility": (NUM_LANDMARKS,),
            "presence": (NUM_LANDMARKS,),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(
                    f"PoseFrame.{name} must have shape {shape}, got {actual}"
                )

    @classmethod
    def empty(
        cls, frame_index: int, timestamp_ms: float, resolution_wh: tuple[int, int]
    ) -> PoseFrame:
        """A frame in which no person was found (all NaN, zero visibility)."""
        nan2 = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
        return cls(
            frame_index=frame_index,
            timestamp_ms=timestamp_ms,
            resolution_wh=resolution_wh,
            xy=nan2,
            z=np.full(NUM_LANDMARKS, np.nan, np.float32),
            world_xyz=np.full((NUM_LANDMARKS, 3), np.nan, np.float32),
            visibility=np.zeros(NUM_LANDMARKS, np.float32),
            presence=np.zeros(NUM_LANDMARKS, np.float32),
        )

    @classmethod
    def from_mediapipe(
        cls,
        result: Any,
        *,
        frame_index: int,
        timestamp_ms: float,
        resolution_wh: tuple[int, int],
        mirrored: bool = False,
        selector: SubjectSelector | None = None,
        region: tuple[int, int, int, int] | None = None,
    ) -> PoseFrame:
        """Build a frame from a Tasks ``PoseLandmarkerResult``.

        Args:
            result: The landmarker's result for this frame.
            frame_index: Index of the frame.
            timestamp_ms: Its time.
            resolution_wh: ``(width, height)`` used to turn normalised
                coordinates into pixels.
            mirrored: The image is a mirror view (selfie webcam). The model
                labels sides from the picture, so in a mirror the person's left
                comes out as "right"; the labels are swapped back so left is
                always the person's own left.
            selector: Picks the main subject when the model returns several
                people (the tallest when omitted).
            region: ``(x, y, w, h)`` of the crop the model saw, in pixels of
                the frame; the landmarks are put back in frame pixels.

        Returns:
            The main subject's landmarks, or an empty frame.
        """
        poses = result.pose_landmarks or []
        if not poses:
            return cls.empty(frame_index, timestamp_ms, resolution_wh)
        x0, y0, w, h = region or (0, 0, *resolution_wh)
        arrays = [
            np.array(
                [
                    (
                        x0 + p.x * w,
                        y0 + p.y * h,
                        p.z * w,
                        p.visibility or 0.0,
                        p.presence or 0.0,
                    )
                    for p in pose
                ],
                dtype=np.float32,
            )
            for pose in poses
        ]
        candidates = [a[:, :2] for a in arrays]
        if selector is not None:
            choice = selector(candidates, frame_height=float(resolution_wh[1]))
        else:
            choice = int(np.argmax([_feet_y(c) for c in candidates]))
        arr = arrays[choice]
        world = (
            result.pose_world_landmarks[choice] if result.pose_world_landmarks else []
        )
        world_xyz = (
            np.array([(p.x, p.y, p.z) for p in world], dtype=np.float32)
            if world
            else np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
        )
        frame = cls(
            frame_index=frame_index,
            timestamp_ms=timestamp_ms,
            resolution_wh=resolution_wh,
            xy=arr[:, :2].copy(),
            z=arr[:, 2].copy(),
            world_xyz=world_xyz,
            visibility=arr[:, 3].copy(),
            presence=arr[:, 4].copy(),
        )
        return frame.mirrored_labels() if mirrored else frame

    def mirrored_labels(self) -> PoseFrame:
        """The same points with every left/right label swapped."""
        perm = list(MIRROR_PERMUTATION)
        return PoseFrame(
            frame_index=self.frame_index,
            timestamp_ms=self.timestamp_ms,
            resolution_wh=self.resolution_wh,
            xy=self.xy[perm],
            z=self.z[perm],
            world_xyz=self.world_xyz[perm],
            visibility=self.visibility[perm],
            presence=self.presence[perm],
        )

    def is_empty(self) -> bool:
        """True when no person was found in this frame."""
        # A posed frame almost always has its first point: skip the full test.
        return bool(math.isnan(self.xy[0, 0]) and np.isnan(self.xy).all())

    @property
    def xyn(self) -> npt.NDArray[np.float32]:
        """``(33, 2)`` coordinates normalised by frame width and height."""
        return self.xy / np.asarray(self.resolution_wh, dtype=np.float32)

    def point(
        self, mark: Landmark, min_visibility: float = 0.0
    ) -> npt.NDArray[np.float32]:
        """Pixel ``(x, y)`` of ``mark``, NaN when below ``min_visibility``."""
        if self.visibility[mark] < min_visibility:
            return np.full(2, np.nan, np.float32)
        return self.xy[mark]


def _feet_y(xy: npt.NDArray[np.float32]) -> float:
    """Image row of the lowest foot point (larger is lower in the picture)."""
    feet = xy[
        [
            Landmark.LEFT_HEEL,
            Landmark.RIGHT_HEEL,
            Landmark.LEFT_FOOT_INDEX,
            Landmark.RIGHT_FOOT_INDEX,
            Landmark.LEFT_ANKLE,
            Landmark.RIGHT_ANKLE,
        ],
        1,
    ]
    return float(np.nanmax(feet))  # fmt: skip


class SubjectSelector:
    """Chooses the main subject when the model returns several people.

    The subject is the person standing nearest the camera: with the camera at
    about hip height, whoever stands nearer on the same floor has their feet
    lower in the picture (and a second person up on a box or further back has
    them higher). The selector follows its subject from frame to frame (hip
    centre nearest to the last one), so a passer-by does not steal the
    coaching for a frame; when another person stays clearly nearer, feet lower
    by ``switch_margin`` of the picture height, for ``switch_frames`` frames
    in a row, it switches to them.
    """

    def __init__(self, switch_margin: float = 0.05, switch_frames: int = 10):
        self.switch_margin = switch_margin
        self.switch_frames = switch_frames
        self._last: npt.NDArray[np.float32] | None = None
        self._nearer_count = 0

    def __call__(
        self, candidates: list[npt.NDArray[np.float32]], frame_height: float = 1.0
    ) -> int:
        """Index of the subject among ``candidates`` (each ``(33, 2)`` pixels)."""
        feet = [_feet_y(c) for c in candidates]
        nearest = int(np.argmax(feet))
        if self._last is None:
            choice = nearest
        else:
            last_hip = hip_centre(self._last)
            dists = [
                float(np.linalg.norm(hip_centre(c) - last_hip)) for c in candidates
            ]
            choice = int(np.argmin(dists))
            if nearest != choice and feet[nearest] - feet[choice] > (
                self.switch_margin * frame_height
            ):
                self._nearer_count += 1
                if self._nearer_count >= self.switch_frames:
                    choice = nearest
                    self._nearer_count = 0
            else:
                self._nearer_count = 0
        self._last = candidates[choice]
        return choice


def _apart(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> bool:
    """Two landmark boxes belong to different people (centres over half a height)."""
    ca = np.array([(a[0] + a[2]) / 2, (a[1] + a[3]) / 2])
    cb = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    height = max(float(b[3] - b[1]), 1.0)
    return bool(np.linalg.norm(ca - cb) > 0.5 * height)


def _crop_moves(
    region: tuple[int, int, int, int],
    ideal: tuple[int, int, int, int],
    box: npt.NDArray[np.float32],
) -> bool:
    """Move the crop: the subject nears its edge, or its size is off by 25 %."""
    x, y, w, h = region
    margin_x, margin_y = 0.1 * w, 0.1 * h
    inside = (
        box[0] >= x + margin_x
        and box[2] <= x + w - margin_x
        and (box[1] >= y + margin_y or y == 0)
        and (box[3] <= y + h - margin_y or y + h >= ideal[1] + ideal[3])
    )
    resized = abs(ideal[2] * ideal[3] - w * h) > 0.25 * w * h
    return not inside or resized


_model_bytes_lock = threading.Lock()


def _model_bytes(path: str, skip_mask: bool) -> bytes:
    """The model the graph runs, read (and trimmed) once per process: batch
    workers and later analyses reuse it.

    ``skip_mask``: without the segmentation mask nobody asks for
    (:mod:`formcoach.pose_model_trim`; the same landmarks, less time); the
    trimmed copy is kept in the cache folder for the next process.
    """
    # One lane trims while the others wait for its bytes: trimming holds the
    # GIL, so two at once would each take twice as long.
    with _model_bytes_lock:
        return _read_model(path, skip_mask)


@functools.lru_cache(maxsize=4)
def _read_model(path: str, skip_mask: bool) -> bytes:
    bundle = Path(path).read_bytes()
    if not skip_mask:
        return bundle
    try:
        folder: Path | None = cache_dir()
    except OSError as exc:  # e.g. FORMCOACH_CACHE in a read-only place
        logger.info("the trimmed pose model is not kept: %s", exc)
        folder = None
    return kept_without_segmentation(bundle, folder)


@functools.lru_cache(maxsize=4)
def _model_digest(path: str, skip_mask: bool) -> bytes:
    """A hash of the model the graph runs, for the file of results."""
    return model_digest(_model_bytes(path, skip_mask))


@dataclass(frozen=True)
class PoseOptions:
    """Settings of the pose model (the ``[pose]`` table of the config).

    Attributes:
        model_path: A MediaPipe pose landmarker ``.task`` bundle. Google's
            official lite/full/heavy bundles work too.
        num_poses: How many people the model may return; the main subject is
            picked among them (2 helps when someone walks through the picture).
        min_detection_confidence: Person detector threshold.
        min_presence_confidence: Landmark model's "a person is here" threshold.
        min_tracking_confidence: Below this, re-detect instead of tracking.
        people: Choosing whom to coach among several people
            (:mod:`formcoach.people`); None (a bare estimator) follows whoever
            the model finds first.
        cache: The file of the model's results (:mod:`formcoach.pose_cache`);
            None (live coaching, a bare estimator) runs the model every time.
        skip_mask: Run the landmark model without its segmentation mask,
            which nothing here uses (:mod:`formcoach.pose_model_trim`): the
            same landmarks bit for bit, in about four fifths of the time.

    The analysis and live coaching build it with :meth:`from_config`; the
    field defaults (the bundled model, MediaPipe's own thresholds) serve a
    bare ``PoseEstimator()`` only.
    """

    model_path: Path = DEFAULT_MODEL_PATH
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    people: PeopleSettings | None = None
    cache: PoseCacheSettings | None = None
    skip_mask: bool = True

    @classmethod
    def from_config(cls, config: Config) -> PoseOptions:
        """The ``[pose]`` table.

        ``pose.model`` picks a bundled variant (``"full"`` or ``"lite"``); a
        non-empty ``pose.model_path`` overrides it.

        Raises:
            InputError: A key is missing, has the wrong type, or ``pose.model``
                names no bundled model.
        """
        variant = text(config, "pose.model")
        if variant not in BUNDLED_MODELS:
            names = " or ".join(f'"{name}"' for name in BUNDLED_MODELS)
            raise InputError(f"pose.model must be {names}, not {variant!r}")
        model = text(config, "pose.model_path")
        return cls(
            model_path=Path(model) if model else BUNDLED_MODELS[variant],
            num_poses=integer(config, "pose.num_poses"),
            min_detection_confidence=number(config, "pose.min_detection_confidence"),
            min_presence_confidence=number(config, "pose.min_presence_confidence"),
            min_tracking_confidence=number(config, "pose.min_tracking_confidence"),
            people=PeopleSettings.from_config(config),
            cache=PoseCacheSettings.from_config(config),
            skip_mask=flag(config, "pose.skip_mask"),
        )


class PoseEstimator:
    """MediaPipe pose landmarker in VIDEO mode for one stream.

    Use it as a context manager so the native graph is closed explicitly
    (mediapipe 1.2 prints a traceback at interpreter exit when it is left to
    the garbage collector).

    Example:
        >>> with PoseEstimator() as estimator:  # doctest: +SKIP
        ...     pose = estimator.process(frame_rgb, timestamp_ms=0.0)
    """

    def __init__(self, options: PoseOptions | None = None, *, mirrored: bool = False):
        """Load the model.

        Args:
            options: Model settings; defaults to the bundled full model.
            mirrored: Frames are mirror views (selfie webcam).

        Raises:
            InputError: The model file is missing or not a pose landmarker bundle.
        """
        self.options = options or PoseOptions()
        self.mirrored = mirrored
        path = Path(self.options.model_path)
        if not path.is_file():
            raise InputError(f"Pose model not found: {path}")
        try:
            model_bytes = _model_bytes(str(path), self.options.skip_mask)
        except OSError as exc:
            raise InputError(
                f"Cannot read the pose model {path}: {exc.strerror}"
            ) from exc
        people = self.options.people
        self._scout: ModelGraph | None = None
        self._landmarker: ModelGraph | None = None
        store = PoseStore.open(self.options.cache) if self.options.cache else None
        self._store = store
        # The model's thresholds, as the graph is given them and the file of
        # results keys them.
        confidences = (
            self.options.min_detection_confidence,
            self.options.min_presence_confidence,
            self.options.min_tracking_confidence,
        )

        def build(num_poses: int) -> Any:
            # MediaPipe is imported here, not before: a video analysed again
            # takes every result from the file and needs none of it (its
            # import is about half a second of CPU).
            tasks = mediapipe().tasks
            vision = tasks.vision
            detection, presence, tracking = confidences
            mp_options = vision.PoseLandmarkerOptions(
                base_options=tasks.BaseOptions(model_asset_buffer=model_bytes),
                running_mode=vision.RunningMode.VIDEO,
                num_poses=num_poses,
                min_pose_detection_confidence=detection,
                min_pose_presence_confidence=presence,
                min_tracking_confidence=tracking,
            )
            try:
                return vision.PoseLandmarker.create_from_options(mp_options)
            except (RuntimeError, ValueError) as exc:
                raise InputError(
                    f"{path} is not a usable pose landmarker model: {exc}"
                ) from exc

        # Behind the file of results a graph is built when first needed (a
        # video analysed again needs none); a file that is no pose bundle at
        # all is refused here and now, by building its graph.
        cached = (
            store is not None
            and self.options.cache is not None
            and is_pose_bundle(model_bytes)
        )

        def graph(num_poses: int, role: str) -> ModelGraph:
            if not cached:
                return ModelGraph(build(num_poses))
            assert store is not None and self.options.cache is not None
            seed = chain_seed(
                _model_digest(str(path), self.options.skip_mask),
                role,
                (num_poses, *confidences),
            )
            return CachedGraph(
                lambda: build(num_poses), seed, store, self.options.cache
            )

        # fd 2 stays quiet from the model's start to close(): the graph also
        # logs from its own threads while frames are processed.
        self._quiet = _native_stderr.acquire()
        try:
            self._landmarker = graph(self.options.num_poses, "landmarker")
            if people is not None and people.enabled:
                # The scout: several people, whole picture, now and then.
                self._scout = graph(max(people.scout_max_people, 2), "scout")
        except BaseException:
            if self._landmarker is not None:
                self._landmarker.close()
            if store is not None:
                store.close()
            self._release_stderr()
            raise
        # The graphs need ever-rising whole milliseconds: the last time given
        # to them, and what is added to a frame's time after start_over() when
        # the new part starts earlier than where they are.
        self._model_ts_ms = -1
        self._ts_offset_ms = 0
        self._forget()

    def _forget(self) -> None:
        """Start the Python side's stream state afresh (the person, the crop)."""
        self._last_ts_ms = -1  # of the stream as the caller gives it (-1: none yet)
        people = self.options.people
        self._people = (
            PersonChooser(people) if people is not None and people.enabled else None
        )
        self._selector = SubjectSelector()
        self._frame_index = 0
        self._next_scout_ms = -np.inf
        self._frames_since_look = 1 << 30  # the first frame looks
        self._scout_gap_s = 0.0  # the time to the next look, as last set
        self._next_motion_ms = -np.inf  # the subject's next motion sample
        # Pixel box of the coached person, followed frame to frame for the crop.
        self._follow: npt.NDArray[np.float32] | None = None
        # The crop stays put while the subject is well inside it: a window
        # that moves and resizes every frame makes the landmarks jitter.
        self._region: tuple[int, int, int, int] | None = None
        self._follow_hip: npt.NDArray[np.float32] | None = None
        self._follow_height = 1.0

    def build(self) -> None:
        """Build the graphs now rather than at their first picture.

        Behind the file of results they are built when a picture first
        needs the model; a model made ahead of time
        (:mod:`formcoach.model_pool`) builds them while nobody waits.
        """
        for graph in (self._landmarker, self._scout):
            if graph is not None:
                graph.build()

    def start_over(self) -> None:
        """Forget the stream so far: the next frame starts a new stream.

        What a fresh model would do, without loading one (0.2-0.4 s, and
        native memory left behind): for a pose lane taking several runs of a
        video in turn, after a cut, or to pose held frames again
        (:func:`~formcoach.pose_pass.iter_poses`). MediaPipe has no reset, so
        an empty picture goes through each graph (the tracker and the
        landmark filter lose the person, and the next frame is searched
        whole); the person choice and the crop start again. The new stream
        may start at any time, earlier ones too: the graphs are given its
        times shifted past where they are, with the same spacing.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if self._model_ts_ms >= 0:
            ts = self._model_ts_ms + 1
            blank = np.zeros((64, 64, 3), dtype=np.uint8)
            self._landmarker.detect_for_video(blank, ts)
            if self._scout is not None:
                self._scout.detect_for_video(blank, ts)
            self._model_ts_ms = ts
        self._forget()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the native model (safe to call twice)."""
        landmarker, self._landmarker = getattr(self, "_landmarker", None), None
        scout, self._scout = getattr(self, "_scout", None), None
        store, self._store = getattr(self, "_store", None), None
        if landmarker is not None:
            try:
                landmarker.close()
                if scout is not None:
                    scout.close()
            finally:
                self._release_stderr()
                if store is not None:
                    store.close()

    def person_choice(self) -> PersonChoice | None:
        """Who has been coached and why, so far (None when choice is off)."""
        return None if self._people is None else self._people.summary()

    def choosing(self) -> bool:
        """Several people in view and the choice not settled yet."""
        return self._people is not None and self._people.undecided(
            float(self._last_ts_ms)
        )

    def switched_to(self, since_ms: float) -> npt.NDArray[np.float32] | None:
        """After a change of person: the new subject's box at the first look
        at or after ``since_ms`` (None when there is none to give)."""
        if self._people is None:
            return None
        return self._people.subject_box_since(since_ms)

    def prefer_person(self, box: npt.NDArray[np.float32]) -> None:
        """Coach the person at ``box`` (pixels) from the first frame on.

        For a model started over (:meth:`start_over`) to pose again frames
        it saw while it still followed someone else
        (:func:`~formcoach.pose_pass.iter_poses`).
        """
        if self._people is not None:
            self._people.prefer(box)
            self._follow, self._follow_hip = np.asarray(box, np.float32), None

    def _release_stderr(self) -> None:
        quiet, self._quiet = getattr(self, "_quiet", False), False
        if quiet:
            _native_stderr.release()

    def process(
        self,
        image_rgb: npt.NDArray[np.uint8],
        timestamp_ms: float,
        frame_index: int | None = None,
        *,
        unchanged: bool = False,
    ) -> PoseFrame:
        """Find the subject's landmarks in one frame.

        Args:
            image_rgb: ``(H, W, 3)`` uint8 RGB image.
            timestamp_ms: The frame's time. MediaPipe needs strictly increasing
                whole milliseconds; equal or earlier times are nudged forward by
                1 ms (the returned frame keeps the real time).
            frame_index: Index to record; counts up from 0 when omitted.
            unchanged: The caller will not change ``image_rgb`` afterwards
                (nobody draws on it), so the file of results may hold it
                without copying it (:class:`~formcoach.pose_cache.CachedGraph`).

        Returns:
            The subject's :class:`PoseFrame` (empty when no one is found).
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if frame_index is None:
            frame_index = self._frame_index
        self._frame_index = frame_index + 1
        ts = max(round(timestamp_ms), self._last_ts_ms + 1)
        if self._last_ts_ms < 0:  # the first frame of a stream
            self._ts_offset_ms = max(0, self._model_ts_ms + 1 - ts)
        self._last_ts_ms = ts
        model_ts = self._model_ts_ms = ts + self._ts_offset_ms
        frame_wh = (image_rgb.shape[1], image_rgb.shape[0])
        image = np.ascontiguousarray(image_rgb)
        # A picture made here (a copy, a crop) is changed by no one later.
        unchanged = unchanged or image is not image_rgb
        if self._people is not None:
            self._look_around(image, ts, model_ts, frame_wh, unchanged)
        region = self._crop_region(ts, frame_wh)
        guarded = region is not None
        if region is not None and self._people is not None:
            x, y, w, h = region
            crop = np.array(image_rgb[y : y + h, x : x + w], order="C")
            if self._follow is not None:
                mask_others(crop, region, self._follow, self._people.other_boxes())
            image, unchanged = crop, True
            if (w, h) == frame_wh:
                region = None  # the whole picture, others greyed out
        result = self._landmarker.detect_for_video(image, model_ts, unchanged=unchanged)
        frame = PoseFrame.from_mediapipe(
            result,
            frame_index=frame_index,
            timestamp_ms=timestamp_ms,
            resolution_wh=frame_wh,
            mirrored=self.mirrored,
            selector=self._selector,
            region=region,
        )
        if self._people is not None and guarded:
            frame = self._follow_subject(frame)
        elif self._people is not None and not frame.is_empty():
            self._follow, self._follow_hip = landmark_box(frame.xy), None
            self._sample_subject(frame, ts)
        return frame

    def _sample_subject(self, frame: PoseFrame, ts: int) -> None:
        """Between spread-out looks: the subject's leg motion from their pose."""
        settings = self.options.people
        if (
            self._people is None
            or settings is None
            or self._scout_gap_s <= settings.scout_interval_s
            or ts < self._next_motion_ms
        ):
            return
        # The scout's landmarks carry the picture's labels; so must these.
        xy = frame.xy[list(MIRROR_PERMUTATION)] if self.mirrored else frame.xy
        self._people.observe_subject(xy, float(ts))
        self._next_motion_ms = ts + 1000.0 * settings.scout_interval_s

    def _look_around(
        self,
        image: npt.NDArray[np.uint8],
        ts: int,
        model_ts: int,
        frame_wh: tuple[int, int],
        unchanged: bool,
    ) -> None:
        """A scout run when one is due: everyone in the whole picture."""
        chooser, settings = self._people, self.options.people
        self._frames_since_look += 1
        if (
            chooser is None
            or settings is None
            or self._scout is None
            or ts < self._next_scout_ms
        ):
            return
        if (
            self._frames_since_look < settings.scout_min_frames
            and not chooser.undecided(float(ts))
        ):
            return  # a slow stream: the time is up but few frames were posed
        self._frames_since_look = 0
        result = self._scout.detect_for_video(image, model_ts, unchanged=unchanged)
        w, h = frame_wh
        people = [
            np.array([(p.x * w, p.y * h) for p in pose], dtype=np.float32)
            for pose in result.pose_landmarks or []
        ]
        chooser.observe(people, float(ts), frame_wh)
        subject = chooser.subject_box(seen_at_ms=float(ts))
        if subject is not None and (
            self._follow is None or _apart(self._follow, subject)
        ):
            # Steer the crop to the chosen person when the pose model is
            # elsewhere (a new choice, or drifted to someone else).
            self._follow, self._follow_hip = subject, None
        base = settings.scout_interval_s
        if chooser.undecided(float(ts)):
            interval = settings.scout_interval_undecided_s
        elif chooser.alone(float(ts)):
            # Alone a while: look ever less often (a newcomer who stays is
            # still seen within scout_interval_max_s).
            longest = max(settings.scout_interval_max_s, base)
            interval = min(max(2.0 * self._scout_gap_s, base), longest)
        else:
            interval = base
        self._scout_gap_s = interval
        self._next_scout_ms = ts + 1000.0 * interval

    def _crop_region(
        self, ts: int, frame_wh: tuple[int, int]
    ) -> tuple[int, int, int, int] | None:
        """The crop the pose model sees: around the subject when others are near."""
        chooser, settings = self._people, self.options.people
        if chooser is None or settings is None or self._follow is None:
            return None
        if not chooser.others_around(float(ts)):
            self._region = None
            return None
        if settings.crop_scale <= 0:
            return (0, 0, *frame_wh)  # no crop: the whole picture, masked
        ideal = crop_window(self._follow, frame_wh, settings.crop_scale)
        if self._region is None or _crop_moves(self._region, ideal, self._follow):
            self._region = ideal
        return self._region

    def _follow_subject(self, frame: PoseFrame) -> PoseFrame:
        """Move the crop with the subject; refuse a jump to someone else."""
        if not frame.is_empty():
            hip = hip_centre(frame.xy)
            box = landmark_box(frame.xy)
            # The hips, not the box: a hand or foot the model cannot see may
            # land anywhere and stretch the box in one frame.
            last, height = self._follow_hip, self._follow_height
            if last is None or not np.linalg.norm(hip - last) > 0.5 * height:
                self._follow, self._follow_hip = box, hip
                self._follow_height = max(float(box[3] - box[1]), 1.0)
                return frame
        # No one, or someone half a body away from where the subject just
        # was: not the subject. Look again where the scout last saw them.
        if self._people is not None:
            seen = self._people.subject_box()
            if seen is not None:
                self._follow, self._follow_hip = seen, None
        return PoseFrame.empty(
            frame.frame_index, frame.timestamp_ms, frame.resolution_wh
        )
