"""Privacy and limits: offline analysis, deleting all data, the time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from formcoach.cli import main
from formcoach.history import History
from formcoach.paths import data_dir

from .conftest import BUNDLED_CLIP, REPO


@pytest.mark.slow
def test_analysis_runs_with_no_network_at_all(tmp_path):
    """Inside a network namespace with no usable interface (not even loopback
    up), so any attempt to reach the network would fail: analysis completes."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a network namespace")
    out = tmp_path / "out"
    env = {**os.environ, "FORMCOACH_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            "-m",
            "formcoach.cli",
            "analyze",
            str(BUNDLED_CLIP),
            "-e",
            "backward-walk",
            "--out",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "report.json").exists() and (out / "annotated.mp4").exists()


def test_forget_deletes_everything_and_asks_first(capsys, tmp_path, monkeypatch):
    home = data_dir()
    monkeypatch.setenv("FORMCOACH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    for name in ("pose-cache.sqlite", "pose-cache.sqlite-wal"):
        (tmp_path / "cache" / name).write_bytes(b"landmarks")
    History().save({"schema_version": 1, "exercise": "reverse-lunge", "summary": {}})
    (home / "settings.toml").write_text("[app]\nmax_upload_mb = 10\n")
    (home / "sessions" / "1").mkdir(parents=True)
    (home / "sessions" / "1" / "annotated.mp4").write_bytes(b"video")
    assert main(["forget"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert (home / "settings.toml").exists()  # nothing deleted without --yes
    assert main(["forget", "--yes"]) == 0
    assert list(home.iterdir()) == []
    assert list((tmp_path / "cache").iterdir()) == []  # the kept pose results


def test_analysis_time_limit(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "analyze",
            str(BUNDLED_CLIP),
            "-e",
            "backward-walk",
            "--out",
            str(out),
            "--set",
            "analysis.max_seconds=0.001",
            "--no-history",
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "stopped after" in err and "analysis.max_seconds" in err
    assert not out.exists()


# -- paths from user input never escape the data folder -----------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("squats.mp4", "upload.mp4"),
        ("../../../../etc/cron.d/x.mp4", "upload.mp4"),
        ("..\\..\\Windows\\x.MOV", "upload.mov"),
        ("x.mp4\x00.sh", "upload.sh"),  # the NUL is dropped, not honoured
        ("..", "upload"),
        ("/", "upload"),
        ("clip.m p4;rm -rf ~", "upload.mp4rm"),
        ("a." + "b" * 300, "upload.bbbbb"),
    ],
)
def test_upload_names_stay_in_the_analysis_folder(tmp_path, name, expected):
    from formcoach.paths import inside, upload_name

    safe = upload_name(name)
    assert safe == expected
    assert inside(tmp_path, tmp_path / safe).parent == tmp_path.resolve()


def test_history_never_deletes_outside_the_data_folder(tmp_path):
    """A history row pointing outside (edited or foreign database) is refused."""
    import sqlite3

    from formcoach.paths import sessions_dir

    outside = tmp_path / "my-own-videos"
    outside.mkdir()
    (outside / "wedding.mp4").write_bytes(b"precious")
    link = sessions_dir() / "link-out"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    history = History()
    report = {"exercise": "reverse-lunge", "preset": "standard", "summary": {}}
    for target in (outside, sessions_dir() / ".." / ".." / outside.name, link):
        with pytest.raises(ValueError):
            history.attach_files(history.save(report, source="video"), target)
        # Forced in behind the API's back, as an edited database would be:
        session = history.save(report, source="video")
        with sqlite3.connect(history.path) as db:
            db.execute(
                "UPDATE sessions SET files_dir = ? WHERE id = ?", (str(target), session)
            )
        assert history.delete(session)  # the row goes...
        assert (outside / "wedding.mp4").read_bytes() == b"precious"  # ...files stay
    link.unlink()


def test_history_deletes_its_own_saved_files(tmp_path):
    from formcoach.paths import sessions_dir

    history = History()
    report = {"exercise": "reverse-lunge", "preset": "standard", "summary": {}}
    session = history.save(report, source="video")
    keep = sessions_dir() / str(session)
    keep.mkdir(parents=True)
    (keep / "annotated.mp4").write_bytes(b"video")
    history.attach_files(session, keep)
    assert history.delete(session)
    assert not keep.exists()
