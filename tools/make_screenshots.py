"""Make the pictures in docs/ from the bundled (redistributable) clips only.

Most test footage may not be redistributed, so the pictures in the repository
come from `videos/` (Sports2D demo, BSD-3; Nowva split squat, CC0):

    .venv/bin/python tools/make_screenshots.py

Needs Chromium (./setup.sh --browser-tests), ffmpeg, poppler-utils and root
for the loopback-only network namespace of the live page.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402

DOCS = REPO / "docs"
SHOTS = DOCS / "screenshots"
WALK = REPO / "videos" / "sports2d_demo.mp4"
SPLIT = REPO / "videos" / "nowva_split_squat.mp4"


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def main() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    fc = str(REPO / ".venv" / "bin" / "formcoach")
    # Annotated frame and a PDF report page: the Sports2D walk, two people.
    run(
        fc,
        "analyze",
        str(WALK),
        "-e",
        "backward-walk",
        "--set",
        "pose.num_poses=2",
        "--out",
        str(tmp / "walk"),
        "--report",
        "pdf",
        "--no-history",
        "-q",
    )
    run(
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-ss",
        "4.2",
        "-i",
        str(tmp / "walk/annotated.mp4"),
        "-frames:v",
        "1",
        "-vf",
        "scale=960:-1",
        str(DOCS / "annotated_frame.jpg"),
    )
    run(
        "pdftoppm",
        "-r",
        "60",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        str(tmp / "walk/report.pdf"),
        str(tmp / "page"),
    )
    shutil.copy(next(tmp.glob("page*.png")), SHOTS / "report_page.png")
    # The upload page with the split squat.
    from playwright.sync_api import sync_playwright

    url, proc = start_server(tmp)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/upload_page", wait_until="networkidle")
            page.locator("input[type=file]").set_input_files(str(SPLIT))
            page.get_by_role("button", name="Analyse").click()
            page.get_by_text("Download report (JSON)").wait_for(timeout=300_000)
            time.sleep(2)
            page.screenshot(path=str(SHOTS / "upload_results.png"), full_page=True)
            browser.close()
    finally:
        proc.terminate()
    # The live page, fake camera playing the split squat.
    y4m = tmp / "camera.y4m"
    run(
        "ffmpeg",
        "-v",
        "error",
        "-t",
        "12",
        "-i",
        str(SPLIT),
        "-vf",
        "scale=640:360,pad=640:480:0:60,fps=30",
        "-pix_fmt",
        "yuv420p",
        str(y4m),
    )
    run(
        "unshare",
        "-n",
        sys.executable,
        str(REPO / "tests/browser/live_session.py"),
        "--y4m",
        str(y4m),
        "--out",
        str(tmp / "live"),
        "--reps",
        "99",
        "--timeout",
        "15",
    )
    shutil.copy(tmp / "live" / "live.png", SHOTS / "live.png")
    print(f"pictures written to {SHOTS} and {DOCS / 'annotated_frame.jpg'}")


if __name__ == "__main__":
    main()
