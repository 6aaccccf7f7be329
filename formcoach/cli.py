"""The ``formcoach`` command line.

Examples::

    formcoach analyze videos/sports2d_demo.mp4 --exercise backward-walk --out out/demo
    formcoach analyze lunge.mp4 --exercise reverse-lunge --preset rehab --out out/l1
    formcoach exercises
    formcoach config --preset rehab

Exit codes: 0 done; 2 bad input or output (one line on stderr says what and
what to do); 130 interrupted; 1 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from . import __version__
from .catalog import SPECS
from .errors import FormCoachError, InputError
from .settings import Config, load_config, preset_names

logger = logging.getLogger("formcoach")


def _clock(seconds: float) -> str:
    """``seconds`` as ``m:ss`` or ``h:mm:ss``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Progress on stderr: stage, frames, fps and the time left.

    On a terminal, one line redrawn in place; otherwise (a log file, a batch
    job) a plain line every ``log_every_s`` seconds, so a long analysis still
    says how far it is.
    """

    def __init__(self, enabled: bool, log_every_s: float = 30.0):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.log_every_s = log_every_s
        self._stage = ""
        self._start = 0.0
        self._last_draw = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage != self._stage:
            if self._stage and self.tty:
                sys.stderr.write("\n")
            self._stage, self._start, self._last_draw = stage, now, now
        every = 0.1 if self.tty else self.log_every_s
        if now - self._last_draw < every and (done != total or not self.tty):
            return
        self._last_draw = now
        elapsed = max(now - self._start, 1e-6)
        fps = done / elapsed
        label = {"pose": "Analysing", "video": "Video"}.get(stage, stage)
        if total > 0:
            frac = min(done / total, 1.0)
            left = max(total - done, 0) / fps if fps > 0 else 0.0
            text = (
                f"{label} {frac:4.0%} {done}/{total} frames {fps:5.1f} fps, "
                f"{_clock(left)} left"
            )
            if self.tty:
                text = f"{label} [{'#' * int(frac * 30):<30}] " + text[len(label) + 1 :]
        else:
            text = f"{label} {done} frames {fps:5.1f} fps"
        if self.tty:
            sys.stderr.write("\r" + text)
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self._stage:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        choices=preset_names(),
        help="threshold preset (default: standard)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML file overriding any keys of the default config "
        "(see `formcoach config`)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key, e.g. --set pose.num_poses=2 (repeatable)",
    )


def _config_from_args(args: argparse.Namespace) -> Config:
    """The config from ``--preset``, ``--config`` and ``--set``."""
    return load_config(
        preset=args.preset, config_path=args.config, overrides=args.overrides
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="formcoach",
        description="FormCoach: an offline computer-vision coach for reverse "
        "(backward) training. Everything runs on this machine; no video leaves it.",
        epilog="Run `formcoach COMMAND --help` for the options of a command.",
    )
    parser.add_argument(
        "--version", action="version", version=f"formcoach {__version__}"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    analyze = sub.add_parser(
        "analyze",
        help="analyse a workout video: report.json and an annotated H.264 video",
        description="Analyse a workout video. Writes OUT/report.json (reps, steps, "
        "cues, warnings, per-frame angles) and OUT/annotated.mp4 (skeleton, angles, "
        "phase, counter and the active cue drawn on every frame). Film from the "
        "side with the whole body, feet included, in the picture.",
        epilog="exercises:\n"
        + "\n".join(f"  {name:18} {cls.title}" for name, cls in SPECS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument(
        "video",
        help="video file (mp4, mov, avi, webm, mkv), or landmarks: motion capture "
        "(.bvh) or marker trajectories (.trc from Sports2D, Pose2Sim, OpenCap)",
    )
    analyze.add_argument(
        "--camera",
        choices=["side", "front", "back", "oblique"],
        help="for .bvh/.trc input: where the virtual camera stands, relative to "
        "the person's facing (default: side; sets virtual_camera.view)",
    )
    analyze.add_argument(
        "--save-landmarks",
        action="store_true",
        help="also write OUT/landmarks.trc: the landmarks in metres (BlazePose "
        "names), readable by Sports2D/OpenSim and by formcoach analyze",
    )
    analyze.add_argument(
        "--exercise",
        "-e",
        default="auto",
        choices=[*SPECS, "auto"],
        metavar="NAME",
        help="the workout in the video (list below); 'auto' (the default) finds "
        "the workouts of a whole session and coaches each part",
    )
    analyze.add_argument(
        "--out", "-o", required=True, metavar="DIR", help="output folder"
    )
    analyze.add_argument(
        "--no-video", action="store_true", help="skip the annotated video (faster)"
    )
    analyze.add_argument(
        "--overwrite",
        action="store_true",
        help="replace report.json/annotated.mp4 already in the output folder",
    )
    analyze.add_argument(
        "--mirrored",
        action="store_true",
        help="the video is a mirror view (front/selfie camera): keep left and right "
        "the person's own",
    )
    analyze.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    analyze.add_argument(
        "--report",
        metavar="FORMATS",
        default="",
        help="also export the report, e.g. --report pdf,html,csv (into --out)",
    )
    analyze.add_argument(
        "--no-history",
        action="store_true",
        help="do not save this session to the history",
    )
    analyze.add_argument(
        "--db", metavar="FILE", help="history database (default: per user)"
    )
    _add_config_args(analyze)

    history = sub.add_parser(
        "history",
        help="list saved sessions, weekly trends, or delete a session",
        description="Every analysed video and live set is saved as a session in a "
        "SQLite database in your data folder ($FORMCOACH_HOME, default "
        "~/.local/share/formcoach).",
    )
    history.add_argument(
        "--db", metavar="FILE", help="history database (default: per user)"
    )
    history.add_argument("--exercise", "-e", choices=list(SPECS), metavar="NAME")
    history.add_argument(
        "--trends", action="store_true", help="weekly trends (needs -e)"
    )
    history.add_argument("--delete", type=int, metavar="ID", help="delete session ID")

    batch = sub.add_parser(
        "batch",
        help="analyse a whole video library on Dask (this machine or a cluster)",
        description="Analyse every video in INPUT (files, folders searched "
        "recursively, or CSV manifests with path,exercise,person,date). Writes "
        "DIR/<id>/report.json (+ annotated.mp4), DIR/summary.csv and "
        "DIR/summary.json. Reruns skip finished videos; bad videos are recorded "
        "as failed and never stop the batch.",
    )
    batch.add_argument("inputs", nargs="+", metavar="INPUT")
    batch.add_argument(
        "--exercise",
        "-e",
        required=True,
        metavar="NAME",
        help="an exercise name, auto (find them) or from-manifest",
    )
    batch.add_argument("--out", "-o", required=True, metavar="DIR")
    batch.add_argument(
        "--workers", type=int, help="local worker processes (default: cores)"
    )
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://host:8786",
    )
    batch.add_argument("--no-video", action="store_true", help="skip annotated videos")
    batch.add_argument(
        "--no-history", action="store_true", help="do not save to history"
    )
    _add_config_args(batch)

    forget = sub.add_parser(
        "forget",
        help="delete all your FormCoach data (history, saved videos, settings)",
    )
    forget.add_argument("--yes", action="store_true", help="really delete everything")

    plan = sub.add_parser(
        "plan",
        help="the 4-week plan: this week's sessions, what is done, what next",
        description="Shows the plan week you are in (from --start), the sessions "
        "of that week with those already done (matched from your history), the "
        "next one, and progression hints from your measured form.",
    )
    plan.add_argument("--start", metavar="YYYY-MM-DD", help="first day of the plan")
    plan.add_argument("--plan", metavar="FILE", help="another plan (TOML, same layout)")
    plan.add_argument(
        "--db", metavar="FILE", help="history database (default: per user)"
    )
    plan.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)

    export = sub.add_parser(
        "export",
        help="turn a report.json into a PDF, HTML or CSV form report",
        description="Make a form report from report.json alone (no re-analysis). "
        "CSV writes one row per rep or step, plus FILE.frames.csv with the "
        "per-frame angles.",
    )
    export.add_argument("report", help="a report.json written by formcoach analyze")
    export.add_argument("--format", "-f", required=True, choices=["pdf", "html", "csv"])
    export.add_argument(
        "-o", "--output", metavar="FILE", help="default: beside the report"
    )
    export.add_argument(
        "--paper", choices=["A4", "letter"], default="A4", help="PDF paper"
    )
    export.add_argument("--overwrite", action="store_true", help="replace FILE")

    sub.add_parser("exercises", help="list the exercises and what is checked")

    rules = sub.add_parser(
        "rules",
        help="every cue, when it fires, and its thresholds with values and sources",
    )
    rules.add_argument(
        "exercise", nargs="?", metavar="EXERCISE", help="one workout (default: all)"
    )
    rules.add_argument(
        "--markdown", action="store_true", help="a Markdown table (docs/rules.md)"
    )
    _add_config_args(rules)

    config = sub.add_parser(
        "config",
        help="print the resolved configuration (with sources) as JSON",
    )
    _add_config_args(config)
    return parser


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .export import FORMATS
    from .pipeline import REPORT_NAME, VIDEO_NAME, analyze_video

    # Checked before any work starts: a typo must not cost a whole analysis.
    formats = [f.strip().lower() for f in args.report.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(
            f"Unknown report format {', '.join(unknown)}. "
            f"Choose from: {', '.join(FORMATS)}"
        )
    if args.camera:
        args.overrides = [*args.overrides, f"virtual_camera.view={args.camera}"]
    config = _config_from_args(args)
    progress = Progress(enabled=not args.quiet)
    try:
        report = analyze_video(
            args.video,
            args.exercise,
            args.out,
            config,
            write_video=not args.no_video,
            overwrite=args.overwrite,
            mirrored=args.mirrored,
            progress=progress,
            save_landmarks=args.save_landmarks,
        )
    finally:
        progress.close()
    _print_summary(report, args.out, REPORT_NAME, None if args.no_video else VIDEO_NAME)
    if not args.no_history:
        from .history import History

        session = History(args.db).save(report, source="video", title=str(args.video))
        print(f"Saved to history as session {session}")
    from .export import export

    for fmt in formats:
        for path in export(
            f"{args.out}/{REPORT_NAME}",
            fmt,
            f"{args.out}/report.{fmt}",
            overwrite=args.overwrite,
        ):
            print(f"{fmt.upper():6} {path}")
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    from .history import History

    history = History(args.db)
    if args.delete is not None:
        if not history.delete(args.delete):
            raise InputError(f"No session {args.delete} in {history.path}")
        print(f"Deleted session {args.delete}")
        return 0
    if args.trends:
        if not args.exercise:
            raise InputError("--trends needs --exercise NAME")
        rows = history.weekly_trends(args.exercise)
        print("week       sessions  score  knee  depth  ball%  cadence")
        for r in rows:
            ball = (
                "-"
                if r["ball_landing_share"] is None
                else f"{r['ball_landing_share']:.0%}"
            )
            print(
                f"{r['week']:10} {r['sessions']:8} {_num(r['score']):>6} "
                f"{_num(r['front_knee_deg']):>5} {_num(r['depth']):>6} {ball:>6} "
                f"{_num(r['cadence_spm']):>8}"
            )
        return 0
    sessions = history.sessions(args.exercise)
    if not sessions:
        print(f"No sessions yet ({history.path}).")
        return 0
    print("  id  date        source  exercise          reps/steps  score  top cue")
    for s in sessions:
        count = s.rep_count if s.rep_count is not None else s.step_count
        cue = s.cues[0] if s.cues else ""
        print(
            f"{s.id:4}  {s.created_at[:10]}  {s.source:6}  {s.exercise:16}  "
            f"{_num(count):>10}  {_num(s.score):>5}  {cue}"
        )
    return 0


def _num(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch import collect_jobs, run_batch

    if args.exercise not in ("from-manifest", "auto") and args.exercise not in SPECS:
        raise InputError(f"Unknown exercise '{args.exercise}'")
    config = _config_from_args(args)  # a bad setting fails before any work
    jobs = collect_jobs(args.inputs, args.exercise)
    if not jobs:
        raise InputError("No videos found in the inputs")
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, row: dict) -> None:
        line = f"[{done}/{total}] {row['status']:7} {row['path']}"
        if row.get("error"):
            line += f": {row['error']}"
        print(line, file=sys.stderr if tty else sys.stdout, flush=True)

    def dashboard(client: object) -> None:
        link = getattr(client, "dashboard_link", None)
        if link and args.scheduler:
            print(f"Dask dashboard: {link}")

    result = run_batch(
        jobs,
        args.out,
        config=config,
        workers=args.workers,
        scheduler=args.scheduler,
        write_video=not args.no_video,
        save_history=not args.no_history,
        progress=progress,
        on_cluster=dashboard,
    )
    speed = result.video_s / result.wall_s if result.wall_s else 0.0
    print(
        f"{result.count('done')} done, {result.count('skipped')} skipped, "
        f"{result.count('failed')} failed; {result.video_s:.0f} s of video in "
        f"{result.wall_s:.0f} s ({speed:.2f}x real time)."
    )
    print(f"Summary: {args.out}/summary.csv")
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from .paths import data_dir, forget_everything

    if not args.yes:
        raise InputError(
            f"This deletes everything in {data_dir()} (history, saved videos, "
            "settings). Run again with --yes to do it."
        )
    removed = forget_everything()
    print(f"Deleted {len(removed)} item(s) from {data_dir()}.")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    import datetime as dt

    from .history import History
    from .paths import data_dir
    from .plan import load_plan, week_status

    plan = load_plan(args.plan)
    saved = data_dir() / "plan_start.txt"
    try:
        if args.start:
            start = dt.date.fromisoformat(args.start)
            saved.write_text(start.isoformat())
        elif saved.is_file():
            start = dt.date.fromisoformat(saved.read_text().strip())
        else:
            start = dt.date.today()
            saved.write_text(start.isoformat())
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError as exc:
        raise InputError(f"Dates are YYYY-MM-DD: {exc}") from exc
    status = week_status(plan, start, History(args.db), today)
    print(f"{plan.name}: started {start.isoformat()}")
    if status.week is None:
        for hint in status.hints:
            print(hint)
        return 0
    week = status.week
    print(f"Week {week.week} (from {status.week_start.isoformat()}): {week.focus}")
    for item in status.items:
        mark = "x" if item.remaining == 0 else " "
        print(
            f"  [{mark}] {item.item.what}: {item.done}/{item.item.per_week} this week"
        )
    nxt = status.next_session()
    print(f"Next: {nxt.what}" if nxt else "This week's sessions are done.")
    for hint in status.hints:
        print(f"Hint: {hint}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export

    for path in export(
        args.report,
        args.format,
        args.output,
        overwrite=args.overwrite,
        paper=args.paper,
    ):
        print(path)
    return 0


def _print_summary(
    report: dict[str, Any], out: str, report_name: str, video: str | None
) -> None:
    video_info = report["video"]
    print(
        f"{report['exercise']}: {video_info['frames']} frames, "
        f"{video_info['duration_s']} s, view {report['view']}, "
        f"pose on {report['pose_coverage']:.0%} of frames"
    )
    summary = report.get("summary") or {}
    for key, value in summary.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            print(f"  {key}: {value}")
    for warning in report.get("warnings", []):
        print(f"  warning: {warning['message']}")
    print(f"Report: {out}/{report_name}")
    if video:
        print(f"Video:  {out}/{video}")


def _cmd_exercises() -> int:
    for name, spec in SPECS.items():
        print(f"{name:18} {spec.title}: {spec.checks}")
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    from .catalog.rules_table import as_markdown, as_text, rule_rows

    rows = rule_rows(_config_from_args(args), args.exercise)
    print(as_markdown(rows) if args.markdown else as_text(rows), end="")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    config = _config_from_args(args)
    print(json.dumps(config.tree, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``formcoach`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "analyze":
            return _cmd_analyze(args)
        if args.command == "batch":
            return _cmd_batch(args)
        if args.command == "forget":
            return _cmd_forget(args)
        if args.command == "plan":
            return _cmd_plan(args)
        if args.command == "history":
            return _cmd_history(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "exercises":
            return _cmd_exercises()
        if args.command == "config":
            return _cmd_config(args)
        if args.command == "rules":
            return _cmd_rules(args)
    except FormCoachError as exc:
        print(f"formcoach: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("formcoach: interrupted; no partial outputs were kept.", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
