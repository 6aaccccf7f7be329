"""Batch analysis of a video library on Dask: one machine or a cluster.

``formcoach batch INPUT... --out DIR`` analyses every video with the same
engine as ``formcoach analyze`` (one video per Dask task, one core each) and
writes, per video, ``DIR/<stable id>/report.json`` (+ ``annotated.mp4``), plus
``DIR/summary.csv`` and ``DIR/summary.json``.

* **Stable ids and resuming.** A video's id is its file stem plus the first
  12 hex digits of the sha256 of its content, so a rerun finds the finished
  report and skips it, and a changed file gets a new id.
* **Faults.** A bad or crashing video is recorded as failed with its message;
  it never stops the batch. A worker killed mid-video is retried by Dask
  (``retries``); if it keeps dying the video is recorded as failed.
* **Memory.** One task per worker thread and one thread per worker process:
  at most one video in flight per core.
* **Model.** Each worker process reads the model file once and reuses the
  bytes for every video (a fresh tracker per video, as VIDEO mode needs), and
  keeps the next video's model loaded while it analyses one
  (:mod:`formcoach.model_pool`).
* **Long videos in parts.** A video longer than its fair share of the batch
  (and than two ``batch.part_s``) is cut into parts (at most
  ``batch.max_parts``), each posed by its own task on any worker, and one
  more task coaches the video from the parts' poses as they are written
  (:mod:`formcoach.pose_parts`, :func:`plan_parts`). So a long and a short
  video, or one long video on a cluster of machines, keep every worker busy.
* **History.** The client, not the workers, writes the history database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import SPECS
from .config_values import integer, number
from .errors import FormCoachError, InputError
from .outputs import write_bytes_atomic, write_json_atomic
from .pose_parts import PartPlan
from .settings import Config, load_config
from .stage_settings import PipelineSettings

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v"}
SUMMARY_FIELDS = [
    "id",
    "path",
    "exercise",
    "person",
    "date",
    "status",
    "duration_s",
    "reps",
    "steps",
    "score",
    "top_cues",
    "wall_s",
    "parts",
    "error",
]
#: Where the parts of long videos wait for their coaching, under the output.
PARTS_DIR = ".parts"


@dataclass(frozen=True)
class BatchSettings:
    """The ``[batch]`` table.

    Attributes:
        part_s: A video at least twice this long is posed in parts of at
            least this long, one task each.
        max_parts: At most this many parts per video.
    """

    part_s: float
    max_parts: int

    @classmethod
    def from_config(cls, config: Config) -> BatchSettings:
        """Read ``[batch]``; a missing or mistyped key raises InputError."""
        return cls(
            part_s=number(config, "batch.part_s"),
            max_parts=integer(config, "batch.max_parts"),
        )


@dataclass(frozen=True)
class Job:
    """One video to analyse."""

    path: str
    exercise: str
    person: str = ""
    date: str = ""

    @property
    def video_id(self) -> str:
        """``<stem>-<12 hex of the content's sha256>``."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        stem = "".join(
            c if c.isalnum() or c in "-_" else "_" for c in Path(self.path).stem
        )
        return f"{stem[:40]}-{digest.hexdigest()[:12]}"


def collect_jobs(inputs: Iterable[str], exercise: str) -> list[Job]:
    """Files, folders (recursive, by extension) and CSV manifests to jobs.

    A manifest has the columns ``path, exercise, person, date`` (paths relative
    to the manifest). ``exercise`` may be ``from-manifest``.

    Raises:
        InputError: A missing input, a bad manifest or an unknown exercise.
    """
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for video in sorted(
                p for p in path.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES
            ):
                jobs.append(Job(str(video), _exercise(exercise, None, video)))
        elif path.suffix.lower() == ".csv":
            jobs += _manifest(path, exercise)
        elif path.exists():
            jobs.append(Job(str(path), _exercise(exercise, None, path)))
        else:
            raise InputError(f"Batch input not found: {path}")
    return jobs


def _exercise(default: str, row: str | None, where: Path) -> str:
    name = row if default == "from-manifest" else default
    if name not in SPECS and name != "auto":
        raise InputError(f"{where}: unknown exercise '{name}'")
    return name


def _manifest(path: Path, exercise: str) -> list[Job]:
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"Cannot read the manifest {path}: {exc}") from exc
    if rows and "path" not in rows[0]:
        raise InputError(f"Manifest {path} needs a 'path' column")
    return [
        Job(
            str((path.parent / r["path"]).resolve()),
            _exercise(exercise, r.get("exercise"), path),
            r.get("person", "") or "",
            r.get("date", "") or "",
        )
        for r in rows
    ]


def pose_part_job(
    job: Job, config: Config, plan: PartPlan, index: int, folder: str
) -> dict[str, Any]:
    """Pose one part of a long video (on a worker) into ``folder``.

    Never raises for a bad video: returns ``{"error": message}`` (else an
    empty dict), and the video's coaching task records it.
    """
    from .model_pool import keep_ready
    from .pose_parts import pose_part
    from .pose_pass import undo_malloc_trim_setting

    undo_malloc_trim_setting()
    keep_ready()
    try:
        settings = PipelineSettings.from_config(config)
        pose_part(job.path, settings, plan, index, Path(folder))
    except FormCoachError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a crash in one video must not stop the batch
        logger.exception("posing part %d of %s crashed", index, job.path)
        return {"error": f"internal error: {exc!r}"}
    return {}


def analyse_job(
    job: Job,
    out_dir: str,
    config: Config,
    write_video: bool,
    lanes: int = 1,
    plan: PartPlan | None = None,
    part_names: list[str] | None = None,
) -> dict[str, Any]:
    """Run one video (on a worker). Never raises for a bad video: returns a row.

    ``config`` is resolved by the client (preset, config file, overrides), so a
    worker on another machine needs none of the client's files. ``lanes`` pose
    models share the video (more than one only when the batch has fewer
    videos than workers, so the idle workers' cores are used).

    A video cut into parts (``plan``) takes its poses from the files its
    part tasks (:func:`pose_part_job`) write as they pose; ``part_names``
    name the Dask variables holding those tasks. It is submitted before
    them, starts first and follows the parts in order as they are written;
    while it waits it gives its worker's slot to the parts (Dask's
    ``secede``), so waiting never holds a slot the parts need.
    """
    from .model_pool import keep_ready
    from .pipeline import analyze_video
    from .pose_parts import PartsSource
    from .pose_pass import PoseSource, iter_poses, undo_malloc_trim_setting

    undo_malloc_trim_setting()
    # A worker analyses video after video: its next model loads meanwhile.
    keep_ready()

    row: dict[str, Any] = {
        "path": job.path,
        "exercise": job.exercise,
        "person": job.person,
        "date": job.date,
    }
    try:
        vid = job.video_id
    except OSError as exc:
        return {
            **row,
            "id": "",
            "status": "failed",
            "error": f"Cannot read: {exc.strerror}",
        }
    row["id"] = vid
    row["parts"] = len(plan.spans) if plan is not None else 1
    target = Path(out_dir) / vid
    folder = _parts_folder(Path(out_dir), vid)
    started = time.monotonic()
    source: PoseSource = iter_poses
    try:
        if plan is not None:
            source = PartsSource(plan, folder, _PartTasks(part_names or []).check)
        # One video per worker process, ``lanes`` models per video.
        share = config.with_overrides([f"analysis.workers={max(1, lanes)}"])
        report = analyze_video(
            job.path,
            job.exercise,
            target,
            share,
            write_video=write_video,
            overwrite=True,
            pose_source=source,
        )
    except FormCoachError as exc:
        return {**row, "status": "failed", "error": str(exc)}
    except Exception as exc:  # a crash in one video must not stop the batch
        logger.exception("analysis of %s crashed", job.path)
        return {**row, "status": "failed", "error": f"internal error: {exc!r}"}
    finally:
        if plan is not None:
            shutil.rmtree(folder, ignore_errors=True)
    # A cut video's coaching starts with its parts and ends with its report.
    elapsed = time.monotonic() - started
    return {
        **row,
        **_summary_row(report),
        "status": "done",
        "error": "",
        "wall_s": round(elapsed, 2),
    }


class _PartTasks:
    """A cut video's part tasks, followed from its coaching task.

    Made inside the coaching task: it secedes from its worker's thread pool,
    so waiting for the parts never holds a slot they need.
    """

    def __init__(self, names: list[str]):
        from dask.distributed import Variable, secede

        secede()
        # A future made by another client is only followed through a Dask
        # variable (a bare ``Future(key)`` made here is never told).
        self._futures = [Variable(name).get() for name in names]

    def check(self, k: int) -> None:
        """Raise when part ``k`` failed (nothing while it is posed).

        Raises:
            InputError: Its video could not be posed (the reason), or its
                worker died every time it was tried.
        """
        future = self._futures[k]
        if not future.done():
            return
        try:
            result = future.result()
        except Exception as exc:
            raise InputError(
                f"worker lost while posing part {k + 1} ({type(exc).__name__})"
            ) from exc
        if "error" in result:
            raise InputError(result["error"])


def _parts_folder(out: Path, video_id: str) -> Path:
    return out / PARTS_DIR / video_id


def plan_parts(
    jobs: list[Job],
    config: Config,
    settings: PipelineSettings,
    batch: BatchSettings,
    slots: int,
    *,
    one_machine: bool,
) -> dict[Job, PartPlan | None]:
    """Which videos to cut into parts, and how (None: one task for the video).

    A video is cut when it is longer than its fair share of the batch (all
    the videos' duration over the workers), so it would keep one worker busy
    while the others idle, and at least two ``batch.part_s`` long. Each part
    costs a model load, a warm-up and reading the packets before it. With
    fewer videos than workers on one machine nothing is cut: each video
    takes several pose lanes in its worker instead (threads, no part files).
    A whole session (``auto``) is never cut: its coaches are known only once
    the whole recording is posed; nor is a video that cannot be read: its
    one task says what is wrong.
    """
    from .exercises import create_coach
    from .pipeline import pose_rate_hz
    from .stream import model_stride
    from .video import VideoInfo

    plans: dict[Job, PartPlan | None] = dict.fromkeys(jobs)
    if slots < 2 or (one_machine and len(jobs) < slots):
        return plans
    turn = settings.video.rotate_deg
    infos: dict[Job, VideoInfo] = {}
    for job in jobs:
        try:
            infos[job] = VideoInfo.from_path(job.path).turned(turn)
        except FormCoachError:
            continue
    fair_s = sum(info.duration_s for info in infos.values()) / slots
    for job, info in infos.items():
        if job.exercise not in SPECS or info.duration_s <= fair_s:
            continue
        fps = info.fps or 30.0
        spans = PartPlan.spans_for(
            info.frame_count,
            round(batch.part_s * fps),
            batch.max_parts,
            round(settings.analysis.segment_warmup_s * fps),
        )
        if len(spans) < 2:
            continue
        rate_hz = pose_rate_hz(config, create_coach(job.exercise, config))
        plans[job] = PartPlan(spans, turn, model_stride(fps, rate_hz))
    return plans


def _summary_row(report: dict[str, Any]) -> dict[str, Any]:
    s = report.get("summary", {})
    return {
        "duration_s": report.get("video", {}).get("duration_s"),
        "reps": s.get("rep_count"),
        "steps": s.get("step_count"),
        "score": s.get("score"),
        "top_cues": ";".join(c["code"] for c in s.get("top_cues", [])),
    }


@dataclass
class BatchResult:
    """What a batch did."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0

    def count(self, status: str) -> int:
        """Videos with this status (done / skipped / failed)."""
        return sum(r["status"] == status for r in self.rows)

    @property
    def video_s(self) -> float:
        """Total duration of the videos analysed in this run (not skipped)."""
        return sum(
            float(r.get("duration_s") or 0) for r in self.rows if r["status"] == "done"
        )


def run_batch(
    jobs: list[Job],
    out_dir: str | Path,
    *,
    config: Config | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    write_video: bool = True,
    retries: int = 2,
    save_history: bool = True,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    on_cluster: Callable[[Any], None] | None = None,
) -> BatchResult:
    """Analyse ``jobs`` on Dask; write the per-video outputs and the summaries."""
    from dask.distributed import Client, LocalCluster, Variable, as_completed

    # Dask's own INFO chatter (workers starting and stopping) is not for users.
    logging.getLogger("distributed").setLevel(logging.WARNING)

    config = config if config is not None else load_config()
    # Check the whole config once, before any worker starts: a missing or
    # mistyped key fails here with its name, not once per video.
    settings = PipelineSettings.from_config(config)
    batch = BatchSettings.from_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = BatchResult()
    todo: list[Job] = []
    ids: dict[Job, str] = {}
    for job in jobs:
        try:
            vid = job.video_id
        except OSError as exc:
            result.rows.append(
                {
                    "id": "",
                    "path": job.path,
                    "exercise": job.exercise,
                    "status": "failed",
                    "error": f"Cannot read: {exc.strerror}",
                }
            )
            continue
        report_path = out / vid / "report.json"
        if report_path.is_file():
            report = json.loads(report_path.read_text())
            result.rows.append(
                {
                    "id": vid,
                    "path": job.path,
                    "exercise": job.exercise,
                    "person": job.person,
                    "date": job.date,
                    "status": "skipped",
                    "error": "",
                    **_summary_row(report),
                }
            )
        else:
            todo.append(job)
            ids[job] = vid
    total = len(jobs)
    if progress:
        for k, row in enumerate(result.rows, start=1):
            progress(k, total, row)
    if todo:
        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            n = workers or max(1, os.cpu_count() or 1)
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        try:
            if on_cluster:
                on_cluster(client)
            # Longest first (by file size), so no worker is left with a long
            # video at the end while the others idle.
            todo.sort(key=lambda j: -os.path.getsize(j.path))
            slots = len(client.scheduler_info().get("workers", {})) or 1
            plans = plan_parts(
                todo, config, settings, batch, slots, one_machine=cluster is not None
            )
            # Fewer videos than workers: each video not cut into parts takes
            # several lanes.
            lanes = max(1, slots // len(todo))
            futures = {}
            variables: list[Any] = []
            for i, job in enumerate(todo):
                plan = plans[job]
                spans = plan.spans if plan is not None else ()
                names = [f"formcoach-part-{uuid.uuid4().hex}" for _ in spans]
                # A cut video's coaching is submitted before its parts, so it
                # starts first, gives its slot back and follows the parts as
                # they are written.
                future = client.submit(
                    analyse_job,
                    job,
                    str(out),
                    config,
                    write_video,
                    lanes if plan is None else 1,
                    plan,
                    names,
                    retries=retries,
                    pure=False,
                    key=f"video-{i}",
                )
                for k, name in enumerate(names):
                    part = client.submit(
                        pose_part_job,
                        job,
                        config,
                        plan,
                        k,
                        str(_parts_folder(out, ids[job])),
                        retries=retries,
                        pure=False,
                    )
                    variable = Variable(name, client=client)
                    variable.set(part)
                    variables.append(variable)
                futures[future] = job
            for future in as_completed(futures):
                job = futures[future]
                try:
                    row = future.result()
                except Exception as exc:  # the worker died every time
                    row = {
                        "id": "",
                        "path": job.path,
                        "exercise": job.exercise,
                        "person": job.person,
                        "date": job.date,
                        "status": "failed",
                        "error": f"worker lost while analysing ({type(exc).__name__})",
                    }
                result.rows.append(row)
                if save_history and row["status"] == "done":
                    _save_history(out / row["id"] / "report.json")
                if progress:
                    progress(len(result.rows), total, row)
            for variable in variables:
                variable.delete()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            # Parts left by videos whose coaching never ran.
            shutil.rmtree(out / PARTS_DIR, ignore_errors=True)
    result.wall_s = time.monotonic() - started
    _write_summaries(out, result)
    return result


def _save_history(report_path: Path) -> None:
    from .history import History

    History().save(
        json.loads(report_path.read_text()),
        source="video",
        title=str(report_path.parent.name),
    )


def _write_summaries(out: Path, result: BatchResult) -> None:
    rows = sorted(result.rows, key=lambda r: r["path"])
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=SUMMARY_FIELDS, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "" if row.get(k) is None else row.get(k) for k in SUMMARY_FIELDS}
        )
    write_bytes_atomic(out / "summary.csv", buf.getvalue().encode(), overwrite=True)
    write_json_atomic(
        out / "summary.json",
        {
            "done": result.count("done"),
            "skipped": result.count("skipped"),
            "failed": result.count("failed"),
            "video_s": round(result.video_s, 2),
            "wall_s": round(result.wall_s, 2),
            "videos": rows,
        },
        overwrite=True,
    )
