"""Live-coaching sessions in a real browser with a fake camera.

Run inside a network namespace that has only loopback (``unshare -n``), so
nothing can leave the machine. Prints one JSON line with what happened.

    unshare -n python tests/browser/live_session.py --y4m CLIP.y4m --out DIR
    unshare -n python tests/browser/live_session.py --y4m CLIP.y4m --out DIR \
        --sessions 2 --measure-s 40

With ``--sessions 2`` two browser contexts (two independent users: separate
cookies, separate Streamlit sessions) coach at once. The second starts once
the first has counted ``--reps``; both then run together for ``--measure-s``
seconds while their processed frame rates are sampled once a second; then
the first is stopped (its set is saved) while the second keeps going.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402


def read_panel(page: Any) -> dict[str, Any]:
    """The live panel's numbers as the user sees them."""
    text = page.inner_text("body")
    found = re.findall(r"Reps (\d+)", text)
    fps = re.findall(r"(\d+) frames/s processed", text)
    lat = re.findall(r"(\d+) ms per frame", text)
    return {
        "reps": max(int(n) for n in found) if found else 0,
        "fps": int(fps[-1]) if fps else None,
        "latency_ms": int(lat[-1]) if lat else None,
        "text": text,
    }


def press_start(page: Any) -> int:
    """Press START until the stream runs; returns the number of attempts."""
    frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
    start = frame.get_by_role("button", name="START")
    start.wait_for(timeout=60_000)
    time.sleep(2)  # let the page finish rendering before START
    # A fresh server sometimes accepts START without connecting: retry.
    for attempt in range(1, 4):
        start.click()
        try:
            page.get_by_text(re.compile(r"frames/s processed")).wait_for(timeout=15_000)
            return attempt
        except Exception:
            stop = frame.get_by_role("button", name="STOP")
            if stop.count():
                stop.click()
            time.sleep(2)
    return 0


def press_stop(page: Any) -> None:
    frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
    frame.get_by_role("button", name="STOP").click()


def wait_reps(page: Any, reps: int, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    panel = read_panel(page)
    while time.monotonic() < deadline and panel["reps"] < reps:
        time.sleep(1)
        panel = read_panel(page)
    return panel


def choose_auto(page: Any) -> None:
    """Pick "Auto" in the sidebar's Exercise box."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Exercise")
    box.first.click()
    page.get_by_role("option", name=re.compile("^Auto")).click()
    # The page reruns with the new choice; START is drawn again.
    time.sleep(3)


def wait_named(page: Any, titles: list[str], timeout_s: float) -> list[str]:
    """The workouts the panel names, in the order they first appear."""
    named: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and [n for n in named if n in titles] != titles:
        text = read_panel(page)["text"]
        for title in re.findall(r"^(\w[\w ]*?): ", text, re.M):
            if title in titles and (not named or named[-1] != title):
                named.append(title)
        time.sleep(0.5)
    return named


def video_playing(page: Any) -> bool:
    frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
    return frame.locator("video").first.evaluate(
        "v => v.readyState >= 2 && !v.paused && v.videoWidth > 0"
    )


def live_sets(home: Path) -> list[dict[str, Any]]:
    db_path = home / "history.sqlite"
    if not db_path.exists():
        return []
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM sessions WHERE source = 'live'").fetchall()
    return [dict(r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--y4m", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--reps", type=int, default=2, help="wait until this many reps")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--sessions", type=int, default=1, choices=(1, 2))
    parser.add_argument("--measure-s", type=float, default=40.0)
    parser.add_argument(
        "--auto",
        nargs="*",
        default=None,
        metavar="TITLE",
        help="choose Auto and wait until the panel has named these workouts",
    )
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="run Chromium at this nice level (a benchmark stand-in for browsers "
        "on the users' own devices, not competing with the server for CPU)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    from playwright.sync_api import sync_playwright

    url, proc = start_server(
        args.out, launcher=[sys.executable, str(HERE / "serve_for_tests.py")]
    )
    result: dict[str, Any] = {"ok": False}
    console: list[str] = []
    try:
        with sync_playwright() as p:
            executable = CHROMIUM
            if args.browser_nice:
                executable = args.out / "chromium-nice"
                executable.write_text(
                    f'#!/bin/sh\nexec nice -n {args.browser_nice} {CHROMIUM} "$@"\n'
                )
                executable.chmod(0o755)
            browser = p.chromium.launch(
                executable_path=str(executable),
                args=[
                    *CHROMIUM_ARGS,
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={args.y4m}",
                    "--allow-loopback-in-peer-connection",
                ],
            )
            pages = []
            for _ in range(args.sessions):
                # A context is a separate browser profile: its own cookies
                # and its own Streamlit session on the server.
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.on("console", lambda m: console.append(m.text))
                page.goto(url, wait_until="networkidle")
                page.get_by_text("Live coaching").first.wait_for(timeout=60_000)
                pages.append(page)
            first = pages[0]
            if args.auto is not None:
                choose_auto(first)
            result["attempts"] = press_start(first)
            if args.auto is not None:
                result["named"] = wait_named(first, args.auto, args.timeout)
                result["ok"] = [n for n in result["named"] if n in args.auto] == list(
                    args.auto
                )
                first.screenshot(path=str(args.out / "live.png"), full_page=True)
                result["panel"] = read_panel(first)["text"][-1500:]
                browser.close()
                print(json.dumps(result, default=str))
                return
            panel = wait_reps(first, args.reps, args.timeout)
            result.update(reps=panel["reps"], fps=panel["fps"])
            result["latency_ms"] = panel["latency_ms"]
            if args.sessions == 1:
                result["ok"] = panel["reps"] >= args.reps
            else:
                result.update(run_second_session(args, pages))
            first.screenshot(path=str(args.out / "live.png"), full_page=True)
            result["panel"] = read_panel(first)["text"][-1500:]
            result["video_playing"] = video_playing(pages[-1])
            if args.sessions == 2:
                press_stop(pages[-1])
                pages[-1].get_by_text("Set summary").wait_for(timeout=30_000)
                result["live_sets"] = [
                    {"id": s["id"], "rep_count": s["rep_count"]}
                    for s in live_sets(args.out / "home")
                ]
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    result["console"] = console[-20:]
    print(json.dumps(result, default=str))


def run_second_session(args: argparse.Namespace, pages: list[Any]) -> dict[str, Any]:
    """Start session B while A runs; sample both; stop A; B keeps going."""
    a, b = pages
    out: dict[str, Any] = {}
    reps_a_before_b = read_panel(a)["reps"]
    out["attempts_b"] = press_start(b)
    out["reps_b_at_start"] = read_panel(b)["reps"]
    time.sleep(5)  # both streams settle (frame rate window is 30 frames)
    samples: list[dict[str, Any]] = []
    t_end = time.monotonic() + args.measure_s
    while time.monotonic() < t_end:
        pa, pb = read_panel(a), read_panel(b)
        samples.append(
            {"fps_a": pa["fps"], "fps_b": pb["fps"], "reps_a": pa["reps"],
             "reps_b": pb["reps"], "lat_a": pa["latency_ms"], "lat_b": pb["latency_ms"]}
        )  # fmt: skip
        time.sleep(1)
    out["samples"] = samples
    out["reps_a_before_b"] = reps_a_before_b
    # Stop A: its set is summarised and saved; B must keep counting.
    press_stop(a)
    a.get_by_text("Set summary").wait_for(timeout=30_000)
    out["a_summary_text"] = read_panel(a)["text"][-800:]
    reps_b = read_panel(b)["reps"]
    panel_b = wait_reps(b, reps_b + 1, args.timeout)
    out["b_kept_counting"] = panel_b["reps"] > reps_b
    out["b_reps_final"] = panel_b["reps"]
    fps_a = [s["fps_a"] for s in samples if s["fps_a"] is not None]
    fps_b = [s["fps_b"] for s in samples if s["fps_b"] is not None]
    out["fps_a_min"], out["fps_b_min"] = min(fps_a, default=0), min(fps_b, default=0)
    out["ok"] = bool(fps_a and fps_b and out["b_kept_counting"])
    return out


if __name__ == "__main__":
    main()
