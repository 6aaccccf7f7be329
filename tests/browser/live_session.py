"""One live-coaching session in a real browser with a fake camera.

Run inside a network namespace that has only loopback (``unshare -n``), so
nothing can leave the machine. Prints one JSON line with what happened.

    unshare -n python tests/browser/live_session.py --y4m CLIP.y4m --out DIR
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--y4m", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--reps", type=int, default=2, help="wait until this many reps")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    from playwright.sync_api import sync_playwright

    url, proc = start_server(
        args.out, launcher=[sys.executable, str(HERE / "serve_for_tests.py")]
    )
    result: dict = {"ok": False, "attempts": 0}
    console: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[
                    *CHROMIUM_ARGS,
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={args.y4m}",
                    "--allow-loopback-in-peer-connection",
                ],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: console.append(m.text))
            page.goto(url, wait_until="networkidle")
            page.get_by_text("Live coaching").first.wait_for(timeout=60_000)
            frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
            start = frame.get_by_role("button", name="START")
            start.wait_for(timeout=60_000)
            time.sleep(2)  # let the page finish rendering before START
            # A fresh server sometimes accepts START without connecting: retry.
            for attempt in range(1, 4):
                result["attempts"] = attempt
                start.click()
                try:
                    page.get_by_text(re.compile(r"frames/s processed")).wait_for(
                        timeout=15_000
                    )
                    break
                except Exception:
                    stop = frame.get_by_role("button", name="STOP")
                    if stop.count():
                        stop.click()
                    time.sleep(2)
            deadline = time.monotonic() + args.timeout
            reps = 0
            while time.monotonic() < deadline:
                text = page.inner_text("body")
                found = re.findall(r"Reps (\d+)", text)
                reps = max([int(n) for n in found] + [reps])
                fps = re.findall(r"(\d+) frames/s processed", text)
                if fps:
                    result["fps"] = int(fps[-1])
                lat = re.findall(r"(\d+) ms per frame", text)
                if lat:
                    result["latency_ms"] = int(lat[-1])
                if reps >= args.reps:
                    break
                time.sleep(1)
            result["reps"] = reps
            result["ok"] = reps >= args.reps
            page.screenshot(path=str(args.out / "live.png"), full_page=True)
            result["panel"] = page.inner_text("body")[-1500:]
            # The processed stream (with the overlay) is playing in the page.
            result["video_playing"] = frame.locator("video").first.evaluate(
                "v => v.readyState >= 2 && !v.paused && v.videoWidth > 0"
            )
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    result["console"] = console[-20:]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
