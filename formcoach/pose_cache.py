"""The pose model's results, kept: a video analysed again skips the model.

MediaPipe's VIDEO mode tracks the person from frame to frame, so what the model
returns for a picture depends on every picture and time it was given before.
A result is therefore filed under a running hash of all of them (a chain),
seeded with the model's bytes, its options and this machine's CPU (XNNPACK's
kernels differ between CPUs, and so do the last bits of the landmarks). The
same video analysed again with the pose settings it had (another workout,
other rule thresholds, another output) gives the model the same pictures in
the same order: every result comes from the file and the model does no work.
Another setting or clip changes a picture somewhere; from there on each
result is a miss, posed and filed.

A miss after hits finds the model behind: it has not seen the pictures the
hits stood for. Copies of them are held (at most ``pose.cache.hold_mb`` in a
process; beyond it the oldest are given to the model at once) and given to
the model before the miss, so its state is what it would have been without
the file. The results are the same, bit for bit, with and without it; the
model's determinism on one machine is what makes that true
(``tests/test_pose_cache.py`` checks both). The graph itself is built only
when a picture must go to it, so a video analysed again builds none.

The file is ``pose-cache.sqlite`` in the data folder, or in
``FORMCOACH_CACHE`` when that is set (:func:`formcoach.paths.cache_dir`):
landmarks, never pictures, and it goes with everything else when the user
forgets their data. Live coaching does not
use it: a camera never shows the same frames twice. If the file cannot be
used (a read-only folder, a damaged file), the model runs as if it were off.
"""

from __future__ import annotations

import functools
import logging
import math
import sqlite3
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import xxhash

from .config_values import flag, number, require
from .paths import POSE_CACHE_FILE, cache_dir
from .slow_imports import mediapipe

if TYPE_CHECKING:
    from .settings import Config

logger = logging.getLogger(__name__)

#: Bump when what is filed, or how a key is made, changes.
_FORMAT = b"formcoach-pose-cache-1"
_WRITE_EVERY = 64  # results per transaction


@dataclass(frozen=True)
class PoseCacheSettings:
    """The ``[pose.cache]`` table.

    Attributes:
        enabled: Keep the model's results and use them again.
        max_mb: The file's size limit; the oldest results go first.
        hold_mb: Pictures held in a process while results come from the
            file, to be given to the model if a miss follows.
    """

    enabled: bool
    max_mb: float
    hold_mb: float

    @classmethod
    def from_config(cls, config: Config) -> PoseCacheSettings:
        """Read ``[pose.cache]``.

        Raises:
            InputError: A key is missing or has the wrong type.
        """
        require(config, "pose.cache")  # a missing table is named as such
        return cls(
            enabled=flag(config, "pose.cache.enabled"),
            max_mb=number(config, "pose.cache.max_mb"),
            hold_mb=number(config, "pose.cache.hold_mb"),
        )


class _Point(NamedTuple):
    """A landmark as the Tasks API gives it (what :mod:`formcoach.pose` reads)."""

    x: float
    y: float
    z: float
    visibility: float | None = None
    presence: float | None = None


@dataclass
class FiledResult:
    """A ``PoseLandmarkerResult`` read back from the file."""

    pose_landmarks: list[list[_Point]]
    pose_world_landmarks: list[list[_Point]]


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def encode_result(result: Any) -> bytes:
    """A landmarker result as bytes: float32, as the model made them."""
    poses = result.pose_landmarks or []
    world = result.pose_world_landmarks or []
    image = np.array(
        [
            [(p.x, p.y, p.z, _or_nan(p.visibility), _or_nan(p.presence)) for p in pose]
            for pose in poses
        ],
        dtype=np.float32,
    ).reshape(len(poses), len(poses[0]) if poses else 0, 5)
    metres = np.array(
        [[(p.x, p.y, p.z) for p in pose] for pose in world], dtype=np.float32
    ).reshape(len(world), len(world[0]) if world else 0, 3)
    header = struct.pack("<4H", *image.shape[:2], *metres.shape[:2])
    return header + image.tobytes() + metres.tobytes()


def decode_result(data: bytes) -> FiledResult:
    """What :func:`encode_result` filed, shaped as the Tasks API's result."""
    n, points, m, world_points = struct.unpack_from("<4H", data)
    offset = struct.calcsize("<4H")
    image = np.frombuffer(data, np.float32, n * points * 5, offset)
    offset += image.nbytes
    metres = np.frombuffer(data, np.float32, m * world_points * 3, offset)

    def landmark(row: npt.NDArray[np.float32]) -> _Point:
        values = [float(v) for v in row]
        extra = [None if math.isnan(v) else v for v in values[3:]]
        return _Point(*values[:3], *extra)

    return FiledResult(
        pose_landmarks=[
            [landmark(row) for row in pose] for pose in image.reshape(n, points, 5)
        ],
        pose_world_landmarks=[
            [landmark(row) for row in pose]
            for pose in metres.reshape(m, world_points, 3)
        ],
    )


@functools.cache
def _machine() -> bytes:
    """What makes this CPU's results its own: its instruction-set flags."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line.encode()
    except OSError:
        pass
    import platform

    return f"{platform.machine()} {platform.processor()}".encode()


def model_digest(model_bytes: bytes) -> bytes:
    """A hash of a model file's bytes."""
    return xxhash.xxh3_128(model_bytes).digest()


def chain_seed(model: bytes, role: str, options: tuple[Any, ...]) -> bytes:
    """The key before the first picture: the model (:func:`model_digest`),
    the graph's role and options, the mediapipe version, the machine."""
    seed = xxhash.xxh3_128(_FORMAT)
    seed.update(model)
    seed.update(repr((role, options, mediapipe_version())).encode())
    seed.update(_machine())
    return seed.digest()


@functools.cache
def mediapipe_version() -> str:
    from importlib.metadata import version

    return version("mediapipe")


class PoseStore:
    """The file of results, shared by every process of this user.

    Writes are gathered and committed together; a failing file turns the
    store off (one warning) rather than the analysis.
    """

    def __init__(self, path: Path, max_mb: float):
        self.path = path
        self._max_bytes = int(max_mb * 1e6)
        self._queued: list[tuple[bytes, bytes]] = []
        self._db: sqlite3.Connection | None = None
        try:
            # One estimator uses it at a time, but a spare model is made in
            # another thread than the one that uses it (model_pool).
            db = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, result BLOB)"
            )
            self._db = db
        except sqlite3.Error as exc:
            self._fail(exc)

    @classmethod
    def open(cls, settings: PoseCacheSettings) -> PoseStore | None:
        """The store in :func:`~formcoach.paths.cache_dir`, or None when off."""
        if not settings.enabled:
            return None
        try:
            folder = cache_dir()
        except OSError as exc:  # e.g. FORMCOACH_CACHE in a read-only place
            logger.warning("pose cache not used: %s", exc)
            return None
        store = cls(folder / POSE_CACHE_FILE, settings.max_mb)
        return store if store._db is not None else None

    def _fail(self, exc: Exception) -> None:
        logger.warning("pose cache %s not used: %s", self.path, exc)
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db, self._queued = None, []

    def get(self, key: bytes) -> bytes | None:
        """The result filed under ``key``, if any."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT result FROM results WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        return None if row is None else bytes(row[0])

    def put(self, key: bytes, result: bytes) -> None:
        """File ``result`` under ``key`` (written with the next batch)."""
        if self._db is None:
            return
        self._queued.append((key, result))
        if len(self._queued) >= _WRITE_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write what is queued, and keep the file under its size limit."""
        if self._db is None or not self._queued:
            return
        rows, self._queued = self._queued, []
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR IGNORE INTO results (key, result) VALUES (?, ?)", rows
                )
            self._trim()
        except sqlite3.Error as exc:
            self._fail(exc)

    def _trim(self) -> None:
        assert self._db is not None
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        size = self._db.execute("PRAGMA page_size").fetchone()[0]
        if (pages - free) * size <= self._max_bytes:
            return
        with self._db:  # the oldest tenth goes
            self._db.execute(
                "DELETE FROM results WHERE rowid IN (SELECT rowid FROM results "
                "ORDER BY rowid LIMIT (SELECT COUNT(*) / 10 + 1 FROM results))"
            )

    def close(self) -> None:
        """Write what is queued and close the file."""
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


class _HeldBudget:
    """The pictures all chains of a process hold, against ``hold_mb``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.bytes = 0

    def add(self, n: int) -> int:
        with self._lock:
            self.bytes += n
            return self.bytes


_held = _HeldBudget()


def _image(pixels: npt.NDArray[np.uint8]) -> Any:
    mp = mediapipe()
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=pixels)


class ModelGraph:
    """A MediaPipe graph given numpy pictures (no file of results)."""

    def __init__(self, graph: Any):
        self.graph = graph

    def detect_for_video(
        self,
        pixels: npt.NDArray[np.uint8],
        timestamp_ms: int,
        *,
        unchanged: bool = False,
    ) -> Any:
        """The graph's result for ``pixels`` (C-contiguous RGB) at this time.

        Args:
            pixels: The picture.
            timestamp_ms: Its time for the graph (rising from call to call).
            unchanged: The caller will not change ``pixels`` afterwards (see
                :meth:`CachedGraph.detect_for_video`; no matter here).
        """
        return self.graph.detect_for_video(_image(pixels), timestamp_ms)

    def build(self) -> None:
        """Build the graph now if it is built on first use (here it is built)."""

    def close(self) -> None:
        self.graph.close()


class CachedGraph(ModelGraph):
    """A MediaPipe graph behind the file of results (see the module's doc).

    The graph is built by ``build`` when the first picture must go to it (a
    result not in the file, or pictures held too long): building takes
    0.1 s a graph, holding the GIL, and a video analysed again needs none.

    Attributes:
        hits: Results read from the file.
        misses: Results the model made (and filed).
    """

    def __init__(
        self,
        build: Callable[[], Any],
        seed: bytes,
        store: PoseStore,
        settings: PoseCacheSettings,
    ):
        # No ModelGraph.__init__: the graph is built on first use.
        self._build = build
        self._graph: Any = None
        self._key = seed
        self._store = store
        self._hold_bytes = int(settings.hold_mb * 1e6)
        # Pictures given to no one yet: (copy, time), oldest first.
        self._behind: deque[tuple[npt.NDArray[np.uint8], int]] = deque()
        self.hits = 0
        self.misses = 0

    def detect_for_video(
        self,
        pixels: npt.NDArray[np.uint8],
        timestamp_ms: int,
        *,
        unchanged: bool = False,
    ) -> Any:
        """The filed result for ``pixels``, else the graph's (then filed).

        A picture whose result comes from the file is held for the graph in
        case a later one must go to it. It is held as it is when the caller
        says it will not change it (``unchanged``), else as a copy: a
        picture drawn on afterwards would give the graph another picture
        than the analysis saw. Copying a 720p picture costs more than
        reading its result (a fresh 2.7 MB array a frame).
        """
        chain = xxhash.xxh3_128(self._key)
        chain.update(struct.pack("<q3i", timestamp_ms, *pixels.shape))
        chain.update(pixels.data)
        self._key = chain.digest()
        filed = self._store.get(self._key)
        if filed is not None:
            self.hits += 1
            held = pixels if unchanged else pixels.copy()
            self._behind.append((held, timestamp_ms))
            if _held.add(pixels.nbytes) > self._hold_bytes:
                self._catch_up(1)
            return decode_result(filed)
        self._catch_up(len(self._behind))
        result = self.graph.detect_for_video(_image(pixels), timestamp_ms)
        self.misses += 1
        self._store.put(self._key, encode_result(result))
        return result

    @property
    def graph(self) -> Any:  # type: ignore[override]
        """The MediaPipe graph, built on the first call."""
        if self._graph is None:
            self._graph = self._build()
        return self._graph

    @property
    def built(self) -> bool:
        """Whether the graph has been built."""
        return self._graph is not None

    def build(self) -> None:
        """Build the graph now (a model made ahead of time, not to wait later)."""
        self.graph  # noqa: B018 -- the property builds it

    def _catch_up(self, count: int) -> None:
        """Give the model the ``count`` oldest pictures it has not seen."""
        for _ in range(min(count, len(self._behind))):
            pixels, timestamp_ms = self._behind.popleft()
            _held.add(-pixels.nbytes)
            self.graph.detect_for_video(_image(pixels), timestamp_ms)

    def close(self) -> None:
        while self._behind:
            _held.add(-self._behind.popleft()[0].nbytes)
        if self._graph is not None:
            self._graph.close()
