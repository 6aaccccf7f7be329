"""The pose stage of an offline analysis: the pose model over a file's frames.

Decode (reader thread) → pose model → one :class:`~formcoach.pose.PoseFrame`
per frame, plus a brightness sample about 5 times a second. With several
workers the video is cut into consecutive runs analysed in parallel.
:func:`iter_poses` gives the frames out as they are posed (the one-pass
analysis, :mod:`formcoach.stream`); :func:`estimate_poses` collects a whole
clip (whole sessions, tests, tools).

Each decoded frame is also checked for a shot change (:mod:`formcoach.cuts`):
at a hard cut or a cross-fade the pose model starts over (its tracker looks
for the person anywhere in the new shot), the new shot's frames seen
before the cut was confirmed are posed again by it, and the first frame of
the new shot carries the :class:`~formcoach.cuts.Cut` (``Posed.cut``), so the
coaching can start again there too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from .cuts import Cut, ShotDetector
from .errors import InputError
from .lighting import LightSample, measure_light
from .model_pool import open_estimator
from .people import PersonChoice
from .pose import PoseFrame
from .prefetch import Stretches, prefetch
from .stage_settings import PipelineSettings
from .video import Frame, VideoInfo, can_seek, iter_frames

if TYPE_CHECKING:
    from .settings import Config

#: ``progress(stage, done, total)``; total may be 0 when unknown.
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class PoseTrack:
    """Pose estimates of a whole clip.

    Attributes:
        info: The video's properties.
        frames: One :class:`PoseFrame` per decoded frame, in order.
        gaps_ms: ``(start_ms, end_ms)`` spans where corrupt data was skipped.
        light: Brightness of about 5 frames a second, in frame order.
        cuts: Shot changes (hard cuts, cross-fades) in time order.
        person: Who was coached and why (None when the choice is off).
    """

    info: VideoInfo
    frames: list[PoseFrame]
    gaps_ms: list[tuple[float, float]] = field(default_factory=list)
    light: list[LightSample] = field(default_factory=list)
    cuts: list[Cut] = field(default_factory=list)
    person: PersonChoice | None = None


def estimate_poses(
    video_path: str | Path,
    settings: PipelineSettings | Config,
    *,
    mirrored: bool = False,
    progress: ProgressCallback | None = None,
    info: VideoInfo | None = None,
    workers: int | None = None,
    turn_deg: int = 0,
) -> PoseTrack:
    """Run the pose model over every frame of a video, into memory.

    ``settings`` gives the pose model and ``[analysis]`` settings (a config is
    read into :class:`PipelineSettings`). ``progress`` is always called from
    the caller's thread. ``turn_deg`` turns every frame further clockwise
    (see :func:`~formcoach.video.iter_frames`). With several workers the
    video is cut into consecutive runs posed in parallel (:func:`iter_poses`).

    Raises:
        InputError: The video cannot be read.
    """
    settings = PipelineSettings.of(settings)
    info = info or VideoInfo.from_path(video_path).turned(turn_deg)
    gaps: set[tuple[float, float]] = set()
    frames: list[PoseFrame] = []
    light: list[LightSample] = []
    cuts: list[Cut] = []
    people: list[PersonChoice] = []
    for item in iter_poses(
        video_path,
        settings,
        info=info,
        turn_deg=turn_deg,
        mirrored=mirrored,
        stride=1,
        lanes=workers if workers is not None else settings.analysis.pose_workers(),
        keep_images=False,
        on_gap=lambda a, b: gaps.add((a, b)),
        progress=progress,
        people=people,
    ):
        frames.append(item.pose)
        if item.light is not None:
            light.append(item.light)
        if item.cut is not None:
            cuts.append(item.cut)
    return PoseTrack(
        info=info,
        frames=frames,
        gaps_ms=sorted(gaps),
        light=light,
        cuts=cuts,
        person=PersonChoice.merge(people) if people else None,
    )


class Posed(NamedTuple):
    """One frame out of the pose stage.

    Attributes:
        frame_index: The frame's index.
        timestamp_ms: Its time.
        image_rgb: The picture, when it is to be drawn on (else None).
        pose: The raw pose (empty where the model skipped the frame).
        estimated: The model looked at this frame.
        light: A brightness sample (about 5 a second), else None.
        cut: On the first frame of a new shot, the edit before it
            (:mod:`formcoach.cuts`): tracking started again here, and the
            coaching should too. Else None.
    """

    frame_index: int
    timestamp_ms: float
    image_rgb: np.ndarray | None
    pose: PoseFrame
    estimated: bool
    light: LightSample | None
    cut: Cut | None = None


class PoseSource(Protocol):
    """Where an analysis gets every frame's raw pose: :func:`iter_poses`, or
    poses made elsewhere (:class:`~formcoach.pose_parts.PartsSource`)."""

    def __call__(
        self,
        video_path: str | Path,
        settings: PipelineSettings,
        *,
        info: VideoInfo,
        turn_deg: int,
        mirrored: bool,
        stride: int,
        lanes: int,
        keep_images: bool,
        on_gap: Callable[[float, float], None],
        progress: ProgressCallback | None = None,
        people: list[PersonChoice] | None = None,
    ) -> Iterator[Posed]:
        """Every frame's raw pose, in order (see :func:`iter_poses`)."""
        ...


_DONE = object()
_POLL_S = 0.1
#: Frames a lane holds back before handing them on: a cut is confirmed up to
#: this many frames after the new shot's first frame (a hard cut 2, a
#: cross-fade 3-4), and the held frames of the new shot are posed again.
_HOLD = 6


def iter_poses(
    video_path: str | Path,
    settings: PipelineSettings,
    *,
    info: VideoInfo,
    turn_deg: int,
    mirrored: bool,
    stride: int,
    lanes: int,
    keep_images: bool,
    on_gap: Callable[[float, float], None],
    progress: ProgressCallback | None = None,
    people: list[PersonChoice] | None = None,
    span: tuple[int, int | None] | None = None,
) -> Iterator[Posed]:
    """Every frame's raw pose, in order (the model on every ``stride``-th frame).

    With one lane, one thread decodes and another runs the model, and each
    frame comes out as soon as it is posed, with its picture when
    ``keep_images``. With several lanes the video is cut into
    consecutive runs of at most ``analysis.max_run_s``, dealt to the lanes in
    turn (lane 0 takes runs 0, L, 2L, ...), each lane with its own model in
    its own thread (MediaPipe releases the GIL). A lane keeps its model from
    run to run, its stream started over
    (:meth:`~formcoach.pose.PoseEstimator.start_over`); each run after the
    first starts ``segment_warmup_s`` early so its tracker has locked on. The
    run being read comes out as it is posed; the others wait (poses only:
    only the first run's frames carry pictures), and a lane starts a new run
    only once the one before it has begun to be read, so at most a run per
    lane waits, however long the video.
    A lane seeks to each of its runs (:func:`~formcoach.video.iter_frames`
    with ``seek``: the frames before it numbered by their packets, not
    decoded), so it decodes only its runs and their warm-ups, and the runs
    are joined by time (:class:`Stitcher`).
    ``progress("pose", done, total)`` counts the frames posed by every lane
    and is called from the caller's thread.

    The last frame is always estimated, so the clip does not end in a gap; a
    skipped frame gets an empty pose for the smoother to fill.

    Every decoded frame also goes to a :class:`~formcoach.cuts.ShotDetector`
    (a later run starts it a cross-fade's length early, so a cut at its very
    start is found). A lane hands its frames on ``_HOLD`` frames late: when a
    cut is confirmed, the model starts over, the held frames of the new shot
    are posed again, and the first carries the cut.

    While several people are in view and the person choice is open
    (:meth:`~formcoach.pose.PoseEstimator.choosing`), a lane holds every
    frame (up to ``pose.people.replay_max_mb`` of pictures); when the choice
    moves to the one exercising, the model starts over and poses the held
    frames again on them, once a run.

    ``people``, when given, receives each model's person choice
    (:meth:`~formcoach.pose.PoseEstimator.person_choice`) in time order once
    the frames are all out.

    ``span`` ``(start, stop)`` poses only those frames, as the run of a video
    cut elsewhere (stop None: to the end): with its warm-up before ``start``,
    one lane, no pictures. A batch poses a long video's parts on several
    workers this way (:mod:`formcoach.pose_parts`).
    """
    analysis = settings.analysis
    people_settings = settings.pose.people
    fps = info.fps or 30.0
    warmup = round(analysis.segment_warmup_s * fps)
    cut_warmup = round(settings.cuts.fade_max_s * fps) + 3
    if span is not None:
        runs, keep_images = [span], False
    else:
        runs = _runs(
            info.frame_count,
            lanes,
            round(analysis.min_segment_s * fps),
            round(analysis.max_run_s * fps),
            warmup,
        )
    lanes = min(lanes, len(runs))
    light_every = max(1, round(fps / 5))
    stop = threading.Event()
    outboxes: list[queue.Queue[Any]] = [
        queue.Queue(maxsize=8 if j == 0 else 0) for j in range(len(runs))
    ]
    started = time.monotonic()
    posed = [0] * lanes  # frames posed per lane (each lane writes its own)
    models: list[Any] = [None] * lanes  # each lane's pose model, run to run
    choices: list[list[PersonChoice]] = [[] for _ in runs]
    # The run being read; a lane waits for it before starting run ``j + lanes``.
    reading = [0]
    turn = threading.Condition()

    def put(box: queue.Queue[Any], item: Any) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def first_decoded(j: int) -> int:
        """The first frame run ``j`` decodes (the cut check's warm-up)."""
        return max(0, runs[j][0] - max(warmup, cut_warmup))

    def frames_from(j: int, stop_index: int | None) -> Iterator[Any]:
        """The frames from run ``j``'s first decoded one up to ``stop_index``."""
        source = iter_frames(
            video_path,
            start_index=first_decoded(j),
            max_frames=stop_index,
            on_gap=on_gap,
            turn_deg=turn_deg,
            seek=True,
        )
        return prefetch(source, maxsize=8)

    def lane(k: int) -> None:
        mine = range(k, len(runs), lanes)
        outbox = outboxes[k]
        # Each run seeks to its start, so the other lanes' runs between this
        # lane's are not decoded. Where the packets cannot number the frames,
        # one reader takes all the lane's runs: a reader per run would decode
        # the video from its start each time.
        whole: Stretches[Frame] | None = None
        try:
            if len(mine) > 1 and not can_seek(video_path, first_decoded(mine[1])):
                whole = Stretches(frames_from(k, runs[mine[-1]][1]))
            for j in mine:
                with turn:
                    while reading[0] < j - lanes + 1 and not stop.is_set():
                        turn.wait(_POLL_S)
                if stop.is_set():
                    return
                outbox = outboxes[j]
                own = (
                    frames_from(j, runs[j][1])
                    if whole is None
                    else _run_frames(whole, first_decoded(j), runs[j][1])
                )
                with closing(own) as decoded:
                    if not run(k, j, decoded):
                        return
        except BaseException as exc:  # re-raised in the consumer's thread
            put(outbox, exc)
        finally:
            if whole is not None:
                whole.close()
            model = models[k]
            if model is not None:
                model.close()
                give_back_memory()

    def run(k: int, j: int, decoded: Iterator[Any]) -> bool:
        """Pose run ``j`` from its frames ``decoded``; False if stopped."""
        start, stop_index = runs[j]
        outbox = outboxes[j]
        posed_from = max(0, start - warmup)
        detector = ShotDetector(settings.cuts, fps)
        # (decoded frame, its item or None for a warm-up frame), not yet sent.
        held: deque[tuple[Any, Posed | None]] = deque()
        # The lane's model goes on from its last run, started over: a model
        # per run costs its load and leaves native memory behind.
        estimator = models[k]
        if estimator is None:
            estimator = models[k] = open_estimator(settings.pose, mirrored=mirrored)
        else:
            estimator.start_over()
        # While several people are in view and the choice is open, every
        # frame is held (from ``choosing_from``), so a late change of person
        # poses them again on the right one (once a run).
        choosing_from: Any = None  # the first held frame of the open choice
        switches = 0
        may_replay = people_settings is not None and people_settings.enabled

        def pose_of(frame: Any, estimated: bool) -> PoseFrame:
            if not estimated:
                return PoseFrame.empty(
                    frame.index,
                    frame.timestamp_ms,
                    (frame.image_rgb.shape[1], frame.image_rgb.shape[0]),
                )
            # Only the pictures handed on with the poses are drawn on.
            return estimator.process(
                frame.image_rgb,
                frame.timestamp_ms,
                frame.index,
                unchanged=not (keep_images and j == 0),
            )

        def restart(cut: Cut) -> Cut | None:
            """The model started over from the new shot's first frame; the cut
            to attach."""
            keep_choice(estimator)
            estimator.start_over()
            # Near a run boundary the run before cannot confirm it: this one
            # owns every cut ending no earlier than a hold before its start.
            pending = cut if cut.end_index >= start - _HOLD else None
            for i, (frame, item) in enumerate(held):
                if frame.index < cut.end_index:
                    continue
                pose = pose_of(frame, item is None or item.estimated)
                if item is not None:
                    held[i] = (frame, item._replace(pose=pose, cut=pending))
                    pending = None
            return pending

        def keep_choice(model: Any) -> None:
            choice = model.person_choice()
            if choice is not None:
                choices[j].append(choice)

        def replay(box: Any) -> None:
            """Pose the held frames again, following the person at ``box``."""
            estimator.start_over()  # its choice came too late: not reported
            estimator.prefer_person(box)
            for i, (frame, item) in enumerate(held):
                if frame.index < choosing_from.index:
                    continue
                pose = pose_of(frame, item is None or item.estimated)
                if item is None:
                    continue
                light = item.light
                if light is not None:
                    light = measure_light(
                        frame.image_rgb,
                        pose,
                        frame.timestamp_ms,
                        analysis.min_visibility,
                    )
                held[i] = (frame, item._replace(pose=pose, light=light))

        def watch_choice(frame: Any) -> bool:
            """Follow the person choice; True while frames must be held."""
            nonlocal choosing_from, switches, may_replay
            if not may_replay:
                return False
            choice = estimator.person_choice()
            if choosing_from is None:
                if not estimator.choosing():
                    return False
                choosing_from, switches = frame, choice.switches
                return True
            if choice.switches > switches and choice.reason == "most_active":
                # The exerciser found: pose the held frames on them.
                box = estimator.switched_to(choosing_from.timestamp_ms)
                if box is not None:
                    replay(box)
                may_replay = False
                return False
            switches = choice.switches
            held_mb = len(held) * frame.image_rgb.nbytes / 1e6  # frames alike
            if not estimator.choosing() or held_mb > people_settings.replay_max_mb:
                may_replay = False
                return False
            return True

        def send(frame: Any, item: Posed | None) -> bool:
            if item is None:
                return True
            posed[k] += 1
            return put(outbox, item)

        upcoming = next(decoded, None)
        try:
            while upcoming is not None and not stop.is_set():
                frame, upcoming = upcoming, next(decoded, None)
                limit = analysis.max_seconds
                if limit > 0 and time.monotonic() - started > limit:
                    raise InputError(
                        f"The analysis was stopped after {limit:.0f} s "
                        "(analysis.max_seconds): the video is too long for "
                        "this limit. Trim it, or raise the limit in Settings."
                    )
                cut = detector.update(frame.index, frame.image_rgb, frame.timestamp_ms)
                if frame.index < posed_from:
                    continue  # the shot detector's warm-up
                if cut is not None:
                    may_replay = False  # a new shot: the choice starts again
                pending = restart(cut) if cut is not None else None
                last = upcoming is None and stop_index is None
                estimated = frame.index % stride == 0 or last
                pose = pose_of(frame, estimated)
                item = None
                if frame.index >= start:  # else a warm-up frame of a later run
                    light = None
                    if estimated and frame.index % light_every < stride:
                        light = measure_light(
                            frame.image_rgb,
                            pose,
                            frame.timestamp_ms,
                            analysis.min_visibility,
                        )
                    image = frame.image_rgb if keep_images and j == 0 else None
                    item = Posed(
                        frame.index,
                        frame.timestamp_ms,
                        image,
                        pose,
                        estimated,
                        light,
                        pending,
                    )
                held.append((frame, item))
                if watch_choice(frame):
                    continue
                while len(held) > _HOLD:
                    if not send(*held.popleft()):
                        return False
            while held and not stop.is_set():
                if not send(*held.popleft()):
                    return False
            return not stop.is_set() and put(outbox, _DONE)
        finally:
            keep_choice(estimator)

    threads = [
        threading.Thread(
            target=lane, args=(k,), name=f"formcoach-pose-{k}", daemon=True
        )
        for k in range(lanes)
    ]
    for thread in threads:
        thread.start()
    stitch = Stitcher()
    try:
        for j, outbox in enumerate(outboxes):
            with turn:
                reading[0] = j
                turn.notify_all()
            stitch.next_run()
            while True:
                if progress:
                    progress("pose", sum(posed), info.frame_count)
                try:
                    item = outbox.get(timeout=_POLL_S)
                except queue.Empty:
                    if not threads[j % lanes].is_alive() and outbox.empty():
                        raise RuntimeError("a pose thread died") from None
                    continue
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                joined = stitch(item)
                if joined is not None:
                    yield joined
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        if people is not None:
            people.extend(choice for run_choices in choices for choice in run_choices)


def _run_frames(
    whole: Stretches[Frame], start: int, stop: int | None
) -> Iterator[Frame]:
    """A run's frames, from index ``start`` up to ``stop`` (None: the end), read
    from one reader of all the lane's runs."""
    frames = whole.until(lambda frame: stop is not None and frame.index >= stop)
    return (frame for frame in frames if frame.index >= start)


class Stitcher:
    """Joins runs posed apart into one stream, numbered as one decoder would.

    A run after the first reaches its start by seeking
    (``iter_frames(seek=True)``), its frames numbered by the packets. Where
    frames were lost to corrupt data before it, the runs before posed frames
    past their end (their numbers fell behind the file's) and this run's
    numbers run ahead of a full pass's. Joined by time, frames are never
    given twice and the numbers go on without a hole, exactly as on a sound
    file, where nothing changes.
    """

    def __init__(self) -> None:
        self._last_ms = -math.inf
        self._next_index: int | None = None
        self._shift: int | None = None

    def next_run(self) -> None:
        """The next items are the next run's."""
        self._shift = None

    def __call__(self, item: Posed) -> Posed | None:
        """The item as joined (None: a run before gave this frame already)."""
        if item.timestamp_ms <= self._last_ms:
            return None
        if self._shift is None:
            start = self._next_index
            self._shift = 0 if start is None else start - item.frame_index
        if self._shift:
            item = _renumbered(item, self._shift)
        self._last_ms, self._next_index = item.timestamp_ms, item.frame_index + 1
        return item


def _renumbered(item: Posed, shift: int) -> Posed:
    cut = item.cut
    if cut is not None:
        cut = replace(
            cut, start_index=cut.start_index + shift, end_index=cut.end_index + shift
        )
    pose = replace(item.pose, frame_index=item.pose.frame_index + shift)
    return item._replace(frame_index=item.frame_index + shift, pose=pose, cut=cut)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def give_back_memory() -> None:
    """Hand the heap freed so far back to the system (glibc only).

    A closed pose model and the frames of a finished run leave freed memory
    in glibc's per-thread heaps, which it keeps: over an hour of runs that
    held 0.4-0.5 GB more than a one-minute analysis. ``malloc_trim`` returns
    it; elsewhere this does nothing.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


#: glibc's ``mallopt`` parameters, and the largest mmap threshold its dynamic
#: rule reaches on 64-bit systems (``DEFAULT_MMAP_THRESHOLD_MAX``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


def undo_malloc_trim_setting() -> None:
    """Let glibc keep decoded frames' memory for reuse again, in this process.

    Dask starts its worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``.
    Setting it also pins glibc's mmap threshold at 128 KB, so every decoded
    frame (2.7 MB at 720p) is mapped, zeroed and unmapped anew: a one-model
    analysis took 31.2 s instead of 24.4 s (docs/performance.md, session 9).
    This sets the mmap threshold to where glibc's own rule takes it, and the
    trim threshold above it. Does nothing unless the variable is set, or off
    glibc.
    """
    libc = _libc()
    if libc is None or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_MAX)


def _runs(
    n_frames: int, lanes: int, min_frames: int, max_frames: int, warmup: int = 0
) -> list[tuple[int, int | None]]:
    """Cut ``n_frames`` into consecutive runs for ``lanes`` pose models.

    Up to one run per lane, each at least ``min_frames`` long; a video too
    long for runs of ``max_frames`` gets a multiple of ``lanes`` runs, so the
    lanes finish together. Every run after the first also poses the
    ``warmup`` frames before it, so the first run is longer by as much and
    every run poses as many frames (a lane posing 15 frames more than the
    other would finish last, and the analysis with it).
    """
    most = n_frames // max(min_frames, 1)
    count = max(1, min(lanes, most))
    if count > 1 and max_frames > 0 and n_frames > count * max_frames:
        rounds = min(math.ceil(n_frames / (count * max_frames)), most // count)
        count *= max(1, rounds)
    # Each run poses ``each`` frames: the first its own, the others a warm-up
    # and ``each - warmup`` of their own.
    each = (n_frames + (count - 1) * warmup) / count
    if each - warmup < 1:
        each, warmup = n_frames / count, 0
    bounds = [0] + [round(each + (k - 1) * (each - warmup)) for k in range(1, count)]
    bounds.append(n_frames)
    # The last run goes to the real end: frame counts in headers are estimates.
    return [(bounds[k], bounds[k + 1] if k < count - 1 else None) for k in range(count)]
