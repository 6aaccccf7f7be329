"""The history database: a real SQLite file, two writers at once, interruptions."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from formcoach.cli import main
from formcoach.history import SCHEMA_VERSION, History
from formcoach.paths import sessions_dir


def lunge_report(score: int, knee: float, day: str = "2026-11-02") -> dict:
    return {
        "schema_version": 1,
        "exercise": "reverse-lunge",
        "preset": "standard",
        "summary": {"rep_count": 2, "score": score,
                    "top_cues": [{"code": "lunge.rushed", "message": "Slow down"}]},
        "reps": [{"complete": True, "front_knee_angle_deg": knee, "depth": 0.4},
                 {"complete": True, "front_knee_angle_deg": knee + 2, "depth": 0.5}],
    }  # fmt: skip


def test_save_list_report_delete(tmp_path):
    history = History(tmp_path / "h.sqlite")
    assert history.schema_version == SCHEMA_VERSION
    files = sessions_dir() / "kept-video"  # saved files live in the data folder
    files.mkdir(parents=True)
    (files / "annotated.mp4").write_bytes(b"x")
    a = history.save(lunge_report(80, 95), created_at="2026-11-02T10:00:00+00:00")
    b = history.save(lunge_report(90, 91), created_at="2026-11-10T10:00:00+00:00",
                     files_dir=files, source="live")  # fmt: skip
    sessions = history.sessions()
    assert [s.id for s in sessions] == [b, a]  # newest first
    assert sessions[0].front_knee_deg == 92.0 and sessions[0].cues == ["lunge.rushed"]
    assert history.report(a)["summary"]["score"] == 80
    assert history.delete(b) and not files.exists()  # its files go with it
    assert not history.delete(b)
    assert [s.id for s in history.sessions()] == [a]


def test_weekly_trends(tmp_path):
    history = History(tmp_path / "h.sqlite")
    history.save(lunge_report(70, 100), created_at="2026-11-01T10:00:00+00:00")  # W44
    history.save(lunge_report(80, 96), created_at="2026-11-02T10:00:00+00:00")  # W45
    history.save(lunge_report(90, 92), created_at="2026-11-03T10:00:00+00:00")  # W45
    trends = history.weekly_trends("reverse-lunge")
    assert [t["week"] for t in trends] == ["2026-W44", "2026-W45"]
    assert trends[1]["sessions"] == 2 and trends[1]["score"] == 85.0
    assert trends[1]["front_knee_deg"] == 95.0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    History(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(Exception, match="newer FormCoach"):
        History(path)


def _writer(path: str, n: int, tag: int) -> None:
    history = History(path)
    for i in range(n):
        history.save(lunge_report(tag, float(i)), title=f"w{tag}-{i}")


def test_two_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "h.sqlite")
    History(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 40, tag)) for tag in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    titles = {s.title for s in History(path).sessions()}
    assert len(titles) == 80
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


KILLED_WRITER = """
import sys, time
sys.path.insert(0, {repo!r})
from formcoach.history import History
h = History({path!r})
cm = h._connect()  # kept referenced: the connection stays open
db = cm.__enter__()
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO sessions (created_at, source, exercise, preset, report_json) "
           "VALUES ('2026-11-05', 'live', 'reverse-lunge', 'standard', '{{}}')")
print("inserted", flush=True)
time.sleep(60)
"""


def test_killed_mid_write_keeps_the_last_complete_session(tmp_path):
    path = tmp_path / "h.sqlite"
    history = History(path)
    kept = history.save(lunge_report(88, 90))
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(repo=repo, path=str(path))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout.readline().strip() == "inserted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.1)
    sessions = History(path).sessions()
    assert [s.id for s in sessions] == [kept]  # the half-written one is gone
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_history(tmp_path, capsys):
    db = str(tmp_path / "h.sqlite")
    h = History(db)
    a = h.save(lunge_report(75, 94), created_at="2026-11-02T10:00:00+00:00")
    assert main(["history", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "reverse-lunge" in out and "lunge.rushed" in out
    assert main(["history", "--db", db, "-e", "reverse-lunge", "--trends"]) == 0
    assert "2026-W45" in capsys.readouterr().out
    assert main(["history", "--db", db, "--delete", str(a)]) == 0
    assert main(["history", "--db", db, "--delete", str(a)]) == 2
    assert "No session" in capsys.readouterr().err
    json.dumps(h.sessions())  # plain data
