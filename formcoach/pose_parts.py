"""A long video's poses made in parts on several workers, read back in order.

A batch (:mod:`formcoach.batch`) cuts a long video into parts. Each part is
posed by a task of its own (:func:`pose_part`: the pose stage of
:func:`~formcoach.pose_pass.iter_poses` over one span of frames, with its
warm-up before it) and written to part files. One more task then analyses
the video as ``formcoach analyze`` does, taking the poses from the part files
in order (:class:`PartsSource`) instead of running the model: smoothing,
coaching, the report and the annotated video. The coaching needs the frames
in order, so it stays one task; without the video it costs about a tenth of
the model.

A part goes out in chunk files as it is posed, so the coaching follows the
parts while they are posed (it starts with them and gives its worker's slot
back while it waits). Part files are this program's own temporary files:
pickles of the posed frames without their pictures (about 3 KB a frame),
each written atomically next to the outputs and removed once the video is
done.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .outputs import write_bytes_atomic
from .people import PersonChoice
from .pose_pass import Posed, ProgressCallback, Stitcher, _runs, iter_poses
from .stage_settings import PipelineSettings
from .video import VideoInfo

#: Bumped when the part files' content changes.
PART_FORMAT = 1


@dataclass(frozen=True)
class PartPlan:
    """How a video is cut into parts and how every part is posed.

    Attributes:
        spans: ``(start, stop)`` frame indices of each part (the last one's
            stop is None: to the end of the file).
        turn_deg: The clockwise turn applied to every frame.
        stride: The model looks at every ``stride``-th frame.
        mirrored: The frames are mirror views.
    """

    spans: tuple[tuple[int, int | None], ...]
    turn_deg: int
    stride: int
    mirrored: bool = False

    @staticmethod
    def spans_for(
        n_frames: int, part_frames: int, max_parts: int, warmup: int = 0
    ) -> tuple[tuple[int, int | None], ...]:
        """Parts of at least ``part_frames``, at most ``max_parts`` of them,
        each posing as many frames (a part after the first also poses the
        ``warmup`` frames before it)."""
        count = max(1, min(max_parts, n_frames // max(part_frames, 1)))
        return tuple(_runs(n_frames, count, max(part_frames, 1), 0, warmup))


#: Posed frames per chunk file: about 8 s of 30-fps video, 0.8 MB.
_CHUNK = 256
#: How often the coaching looks for the next chunk while a part is posed.
_POLL_S = 0.1


def pose_part(
    video_path: str | Path,
    settings: PipelineSettings,
    plan: PartPlan,
    index: int,
    folder: Path,
) -> None:
    """Pose part ``index`` of the video into ``folder``.

    The posed frames go out in chunk files of ``_CHUNK`` frames as they are
    posed, so the coaching follows a part while it is posed, and a
    ``.done`` file ends the part with the gaps found and the person
    choices. Each file is written atomically. A part posed again (its worker
    died) writes the same files again.

    Raises:
        InputError: The video cannot be read, or the time limit was reached.
        OutputError: A part file cannot be written.
    """
    info = VideoInfo.from_path(video_path).turned(plan.turn_deg)
    gaps: set[tuple[float, float]] = set()
    people: list[PersonChoice] = []
    span = plan.spans[index]
    folder.mkdir(parents=True, exist_ok=True)
    chunk: list[Posed] = []
    written = 0

    def flush() -> None:
        nonlocal chunk, written
        record = ("frames", PART_FORMAT, span, written, chunk)
        _write(_chunk_path(folder, index, written), record)
        chunk, written = [], written + 1

    for item in iter_poses(
        video_path,
        settings,
        info=info,
        turn_deg=plan.turn_deg,
        mirrored=plan.mirrored,
        stride=plan.stride,
        lanes=1,
        keep_images=False,
        on_gap=lambda a, b: gaps.add((a, b)),
        people=people,
        span=span,
    ):
        chunk.append(item)
        if len(chunk) >= _CHUNK:
            flush()
    if chunk:
        flush()
    trailer = ("done", PART_FORMAT, span, written, sorted(gaps), people)
    _write(_done_path(folder, index), trailer)


def _chunk_path(folder: Path, index: int, chunk: int) -> Path:
    return folder / f"part-{index:04d}-{chunk:05d}.pkl"


def _done_path(folder: Path, index: int) -> Path:
    return folder / f"part-{index:04d}.done"


def _write(path: Path, record: tuple[Any, ...]) -> None:
    data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    write_bytes_atomic(path, data, overwrite=True)


def _read(path: Path, kind: str, span: tuple[int, int | None]) -> tuple[Any, ...]:
    # Only files this batch's own workers wrote are read back.
    record = pickle.loads(path.read_bytes())
    if record[:3] != (kind, PART_FORMAT, span):
        raise RuntimeError(f"{path} is not a part file of this FormCoach")
    return record


@dataclass(frozen=True)
class PartsSource:
    """The pose stage of an analysis, read from part files (a pose source).

    Called like :func:`~formcoach.pose_pass.iter_poses`. It follows each
    part's chunks as they are written, in order. When the analysis asks for
    the frames posed differently from the parts (a clip found to be filmed
    sideways is analysed again turned), it poses them itself.

    Attributes:
        plan: How the video was cut and posed.
        folder: Where the parts are written.
        check: Called with a part's index while its next chunk is awaited:
            raises when that part failed (see :func:`pose_part`).
    """

    plan: PartPlan
    folder: Path
    check: Callable[[int], None] = lambda index: None

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
        wanted = (turn_deg, stride, mirrored)
        if wanted != (self.plan.turn_deg, self.plan.stride, self.plan.mirrored):
            return iter_poses(
                video_path,
                settings,
                info=info,
                turn_deg=turn_deg,
                mirrored=mirrored,
                stride=stride,
                lanes=lanes,
                keep_images=keep_images,
                on_gap=on_gap,
                progress=progress,
                people=people,
            )
        return self._read(info, on_gap, progress, people)

    def _read(
        self,
        info: VideoInfo,
        on_gap: Callable[[float, float], None],
        progress: ProgressCallback | None,
        people: list[PersonChoice] | None,
    ) -> Iterator[Posed]:
        done = 0
        choices: list[PersonChoice] = []
        stitch = Stitcher()  # each part was numbered on its own
        try:
            for k, span in enumerate(self.plan.spans):
                stitch.next_run()
                read = 0  # chunks of part k read so far
                while True:
                    chunk = _chunk_path(self.folder, k, read)
                    if chunk.exists():
                        items = _read(chunk, "frames", span)[4]
                        for item in items:
                            joined = stitch(item)
                            if joined is not None:
                                yield joined
                        read += 1
                        done += len(items)
                        if progress:
                            progress("pose", done, info.frame_count)
                        continue
                    finished = _done_path(self.folder, k)
                    if finished.exists():
                        _, _, _, chunks, gaps_ms, part_people = _read(
                            finished, "done", span
                        )
                        if chunks == read:
                            break
                        continue  # its last chunk was written just before
                    self.check(k)
                    time.sleep(_POLL_S)
                for start_ms, end_ms in gaps_ms:
                    on_gap(start_ms, end_ms)
                choices += part_people
        finally:
            if people is not None:
                people.extend(choices)
