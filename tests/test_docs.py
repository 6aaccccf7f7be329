"""Docs and docstrings say what the code and the config do."""

from __future__ import annotations

import re
from pathlib import Path

from formcoach.exercises import create_coach
from formcoach.gait import Contact
from formcoach.pipeline import run_coach
from formcoach.report import build_report
from formcoach.settings import load_config
from formcoach.video import VideoInfo

from .conftest import REPO
from .synthetic import LungeSpec, frames_of, lunge_sequence


def test_reverse_lunge_docstring_cites_the_label_agreement_setting():
    import formcoach.exercises.reverse_lunge as module

    doc = " ".join(module.__doc__.split())
    key = "exercises.reverse_lunge.side_agreement_min"
    assert f"``{key}``" in doc
    load_config().get(key)  # exists
    assert not re.search(r"\d+ ?% of the bottom frames", doc)


def test_report_schema_doc_covers_every_field():
    import formcoach.report

    cited = "docs/report-schema.md"
    assert cited in formcoach.report.build_report.__doc__
    doc = (REPO / cited).read_text()
    config = load_config()
    frames = frames_of(lunge_sequence([LungeSpec(), LungeSpec()]))
    feedback, result = run_coach(frames, create_coach("reverse-lunge", config))
    info = VideoInfo(Path("a.mp4"), 1280, 1000, 30.0, len(frames),
                     len(frames) / 30.0, "h264", 0)  # fmt: skip
    report = build_report(
        info=info, exercise="reverse-lunge", config=config, frames=frames,
        feedback=feedback, result=result, view="side", pose_coverage=1.0,
        warnings=result.warnings,
    )  # fmt: skip
    assert report["schema_version"] == 1 and "version 1" in doc
    step = Contact(1.0, 30, "left", "ball", 0.2, 0.5).as_dict()
    fields = [
        *report, *report["video"], *report["summary"], *report["reps"][0],
        *report["series"], *step, "label", "jpeg_base64",
    ]  # fmt: skip
    missing = [f for f in dict.fromkeys(fields) if f"`{f}`" not in doc]
    assert not missing
