"""Docs and docstrings say what the code and the config do."""

from __future__ import annotations

import re

from formcoach.gait import Contact
from formcoach.settings import load_config

from .conftest import REPO
from .synthetic import LungeSpec, lunge_report


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
    report = lunge_report([LungeSpec(), LungeSpec()])
    assert report["schema_version"] == 1 and "version 1" in doc
    step = Contact(1.0, 30, "left", "ball", 0.2, 0.5).as_dict()
    fields = [
        *report, *report["video"], *report["summary"], *report["reps"][0],
        *report["series"], *step, "label", "jpeg_base64",
    ]  # fmt: skip
    missing = [f for f in dict.fromkeys(fields) if f"`{f}`" not in doc]
    assert not missing
