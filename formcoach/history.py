"""Session history in SQLite: every analysed video and every live set.

The database lives in the user's data folder (``$FORMCOACH_HOME/history.sqlite``
by default; any path can be given). It runs in WAL mode with a busy timeout so
two browser tabs (two writers) can save at once, and every write is one
transaction, so an interrupted write leaves the last complete session intact.
The schema has a version (``PRAGMA user_version``) and a list of migrations.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OutputError
from .paths import data_dir, inside, sessions_dir

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

MIGRATIONS: list[str] = [
    # 0 -> 1: sessions
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('video', 'live')),
        exercise TEXT NOT NULL,
        preset TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        rep_count INTEGER,
        step_count INTEGER,
        score REAL,
        cadence_spm REAL,
        ball_landing_share REAL,
        front_knee_deg REAL,
        depth REAL,
        cues TEXT NOT NULL DEFAULT '[]',
        report_json TEXT NOT NULL,
        files_dir TEXT
    );
    CREATE INDEX sessions_by_date ON sessions (created_at);
    CREATE INDEX sessions_by_exercise ON sessions (exercise, created_at);
    """,
    # 1 -> 2: how long the work lasted (the plan counts minutes), and which
    # part of a whole-session report a row is (one row per exercise bout).
    """
    ALTER TABLE sessions ADD COLUMN duration_s REAL;
    ALTER TABLE sessions ADD COLUMN segment INTEGER
    """,
]


@dataclass(frozen=True)
class Session:
    """One saved session (without its full report)."""

    id: int
    created_at: str
    source: str
    exercise: str
    preset: str
    title: str
    rep_count: int | None
    step_count: int | None
    score: float | None
    cadence_spm: float | None
    ball_landing_share: float | None
    front_knee_deg: float | None
    depth: float | None
    cues: list[str]
    files_dir: str | None
    duration_s: float | None = None
    segment: int | None = None

    @property
    def measured(self) -> bool:
        """Reps or steps were counted: the form measures mean something."""
        return bool(self.rep_count) or bool(self.step_count)


def default_db_path() -> Path:
    """``history.sqlite`` in FormCoach's per-user folder."""
    return data_dir() / "history.sqlite"


class History:
    """The history database. Open it per use; it is cheap."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                self._migrate(db)
        except sqlite3.DatabaseError as exc:
            raise OutputError(
                f"Cannot use the history database {self.path}: {exc}"
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.row_factory = sqlite3.Row
            yield db
        finally:
            db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise OutputError(
                f"{self.path} was written by a newer FormCoach (schema {version})"
            )
        for target in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated meanwhile.
                if db.execute("PRAGMA user_version").fetchone()[0] != target:
                    db.execute("ROLLBACK")
                    continue
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        """The database's schema version."""
        with self._connect() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    def save(
        self,
        report: dict[str, Any],
        *,
        source: str = "video",
        title: str = "",
        files_dir: str | Path | None = None,
        created_at: str | None = None,
    ) -> int:
        """Save a session from its report; returns its id (one transaction).

        A whole-session report (``segments``) is saved as one row per coached
        bout, each under its own exercise, so the plan and the trends see each
        workout; the id returned is the first bout's.
        """
        created = created_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        parts = [
            (i, seg["exercise"], seg)
            for i, seg in enumerate(report.get("segments") or [])
            if "summary" in seg
        ] or [(None, report.get("exercise", ""), report)]
        rows = []
        for segment, exercise, part in parts:
            s = part.get("summary", {})
            complete = [r for r in part.get("reps", []) if r.get("complete")]

            def mean(key: str, complete: list[dict[str, Any]] = complete) -> Any:
                values = [r[key] for r in complete if r.get(key) is not None]
                return sum(values) / len(values) if values else None

            duration = (
                part["end_s"] - part["start_s"]
                if segment is not None
                else s.get("duration_s")
                or (report.get("video") or {}).get("duration_s")
            )
            rows.append(
                {
                    "created_at": created,
                    "source": source,
                    "exercise": exercise,
                    "preset": report.get("preset", "standard"),
                    "title": title,
                    "rep_count": s.get("rep_count"),
                    "step_count": s.get("step_count"),
                    "score": s.get("score"),
                    "cadence_spm": s.get("cadence_spm"),
                    "ball_landing_share": s.get("ball_landing_share"),
                    "front_knee_deg": mean("front_knee_angle_deg"),
                    "depth": mean("depth"),
                    "cues": json.dumps([c["code"] for c in s.get("top_cues", [])]),
                    "report_json": json.dumps(report),
                    "files_dir": str(inside(sessions_dir(), files_dir))
                    if files_dir
                    else None,
                    "duration_s": duration,
                    "segment": segment,
                }
            )
        row = rows[0]
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                ids = [
                    db.execute(
                        f"INSERT INTO sessions ({columns}) VALUES ({marks})", part
                    ).lastrowid
                    for part in rows
                ]
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return int(ids[0])

    def attach_files(self, session_id: int, files_dir: str | Path) -> None:
        """Record a folder of files (e.g. the annotated video) for a session.

        Raises:
            ValueError: The folder is not inside the data folder's
                ``sessions/`` (:meth:`delete` removes what is attached).
        """
        files_dir = inside(sessions_dir(), files_dir)
        with self._connect() as db:
            db.execute(
                "UPDATE sessions SET files_dir = ? WHERE id = ?",
                (str(files_dir), session_id),
            )

    def sessions(self, exercise: str | None = None) -> list[Session]:
        """Saved sessions, newest first."""
        query = "SELECT * FROM sessions"
        args: tuple[Any, ...] = ()
        if exercise:
            query += " WHERE exercise = ?"
            args = (exercise,)
        with self._connect() as db:
            rows = db.execute(
                query + " ORDER BY created_at DESC, id DESC", args
            ).fetchall()
        return [
            Session(
                **{k: row[k] for k in row.keys() if k not in ("report_json", "cues")},
                cues=json.loads(row["cues"]),
            )
            for row in rows
        ]

    def report(self, session_id: int) -> dict[str, Any]:
        """The full report.json of a session."""
        with self._connect() as db:
            row = db.execute(
                "SELECT report_json FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row is None:
            raise KeyError(session_id)
        return json.loads(row["report_json"])

    def delete(self, session_id: int) -> bool:
        """Delete a session and its files; False if there was none."""
        with self._connect() as db:
            row = db.execute(
                "SELECT files_dir FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        if row["files_dir"]:
            try:
                folder = inside(sessions_dir(), row["files_dir"])
            except ValueError:
                # An edited or foreign database: never delete outside our folder.
                logger.warning(
                    "not deleting %s: outside the data folder", row["files_dir"]
                )
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return True

    def weekly_trends(self, exercise: str) -> list[dict[str, Any]]:
        """Per ISO week: sessions, mean score, knee angle, depth, landings, cadence."""
        weeks: dict[str, list[Session]] = {}
        for s in self.sessions(exercise):
            day = dt.datetime.fromisoformat(s.created_at).date()
            year, week, _ = day.isocalendar()
            weeks.setdefault(f"{year}-W{week:02d}", []).append(s)

        def avg(items: list[Session], key: str) -> float | None:
            values = [getattr(x, key) for x in items if getattr(x, key) is not None]
            return round(sum(values) / len(values), 2) if values else None

        return [
            {
                "week": week,
                "sessions": len(items),
                "score": avg(items, "score"),
                "front_knee_deg": avg(items, "front_knee_deg"),
                "depth": avg(items, "depth"),
                "ball_landing_share": avg(items, "ball_landing_share"),
                "cadence_spm": avg(items, "cadence_spm"),
            }
            for week, items in sorted(weeks.items())
        ]
