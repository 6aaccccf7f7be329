"""Uploading a clip through the real page in a real browser."""

from __future__ import annotations

import pytest

from ..conftest import BUNDLED_CLIP, shared_clip

pytestmark = pytest.mark.browser


def open_upload_page(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/upload_page", wait_until="networkidle")
    page.get_by_text("Analyse a video").first.wait_for(timeout=60_000)
    return page


def test_upload_gives_results_table_and_playable_video(browser, server, tmp_path):
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    page = open_upload_page(browser, server)
    page.locator("input[type=file]").set_input_files(str(clip))
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("Download report (JSON)").wait_for(timeout=240_000)
    page.get_by_role("heading", name="Reps").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[:2] == ["2", "1"]  # 2 complete reps, 1 partial
    # The annotated H.264 video loads and plays in Chromium.
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v && v.readyState >= 2 && v.duration > 6; }",
        timeout=60_000,
    )
    played = page.evaluate(
        "async () => { const v = document.querySelector('video'); v.muted = true;"
        " await v.play(); await new Promise(r => setTimeout(r, 800));"
        " return v.currentTime; }"
    )
    assert played > 0.2
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(tmp_path / "upload_results.png"), full_page=True)
    page.close()


def test_bundled_clip_through_the_page(browser, server):
    page = open_upload_page(browser, server)
    page.locator("input[type=file]").set_input_files(str(BUNDLED_CLIP))
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("Download report (JSON)").wait_for(timeout=240_000)
    page.get_by_text("230 frames").wait_for(timeout=30_000)
    assert page.locator("video").count() == 1
    assert page.get_by_text("Traceback").count() == 0
    page.close()


def test_bad_upload_shows_a_clear_message(browser, server, tmp_path):
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    page = open_upload_page(browser, server)
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("holiday.mp4 is not a readable video file").wait_for(
        timeout=60_000
    )
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(tmp_path / "upload_bad_file.png"))
    page.close()
