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
* **History.** The client, not the workers, writes the history database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import SPECS
from .errors import InputError
from .outputs import write_bytes_atomic, write_json_atomic
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
    "error",
]


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


def analyse_job(
    job: Job, out_dir: str, config: Config, write_video: bool, lanes: int = 1
) -> dict[str, Any]:
    """Run one video (on a worker). Never raises for a bad video: returns a row.

    ``config`` is resolved by the client (preset, config file, overrides), so a
    worker on another machine needs none of the client's files. ``lanes`` pose
    models share the video (more than one only when the batch has fewer
    videos than workers, so the idle workers' cores are used).
    """
    from .errors import FormCoachError
    from .model_pool import keep_ready
    from .pipeline import analyze_video

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
    target = Path(out_dir) / vid
    started = time.monotonic()
    try:
        # One video per worker process, ``lanes`` models per video.
        share = config.with_overrides([f"analysis.workers={max(1, lanes)}"])
        report = analyze_video(
            job.path,
            job.exercise,
            target,
            share,
            write_video=write_video,
            overwrite=True,
        )
    except FormCoachError as exc:
        return {**row, "status": "failed", "error": str(exc)}
    except Exception as exc:  # a crash in one video must not stop the batch
        logger.exception("analysis of %s crashed", job.path)
        return {**row, "status": "failed", "error": f"internal error: {exc!r}"}
    elapsed = round(time.monotonic() - started, 2)
    return {
        **row,
        **_summary_row(report),
        "status": "done",
        "error": "",
        "wall_s": elapsed,
    }


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
    from dask.distributed import Client, LocalCluster, as_completed

    # Dask's own INFO chatter (workers starting and stopping) is not for users.
    logging.getLogger("distributed").setLevel(logging.WARNING)

    config = config if config is not None else load_config()
    # Check the whole config once, before any worker starts: a missing or
    # mistyped key fails here with its name, not once per video.
    PipelineSettings.from_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = BatchResult()
    todo: list[Job] = []
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
            # Fewer videos than workers: each video takes several lanes.
            slots = len(client.scheduler_info().get("workers", {})) or 1
            lanes = max(1, slots // len(todo))
            futures = {
                client.submit(
                    analyse_job,
                    job,
                    str(out),
                    config,
                    write_video,
                    lanes,
                    retries=retries,
                    pure=False,
                    key=f"video-{i}",
                ): job
                for i, job in enumerate(todo)
            }
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
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
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
