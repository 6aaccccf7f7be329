"""Form reports from report.json alone: PDF (rendered and read back), HTML, CSV."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from formcoach.cli import main
from formcoach.export import export
from formcoach.outputs import write_json_atomic
from formcoach.render import jpeg_thumbnail

from .synthetic import LungeSpec, lunge_report


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> Path:
    """A real report.json of three hand-built reverse lunges (no video needed)."""
    report = lunge_report(
        [LungeSpec(), LungeSpec(lean_deg=40), LungeSpec()], "my lunges.mp4"
    )
    image = __import__("numpy").full((200, 300, 3), 90, "uint8")
    report["key_frames"] = [
        {"label": "Best rep (#1, score 100)", "frame": 80, "t_s": 2.7,
         "jpeg_base64": jpeg_thumbnail(image)},
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("report") / "report.json"
    write_json_atomic(path, report)
    return path


def test_pdf_renders_and_reads_back(report_path, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils not installed")
    (pdf,) = export(report_path, "pdf", tmp_path / "r.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "A4" in info
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True
    ).stdout
    assert "DejaVuSans" in fonts and " yes yes " in fonts  # embedded, subset
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "Reverse lunge: form report" in text
    assert "Reps (complete)" in text
    assert "Chest up, brace your core" in text  # the 2nd rep's lean cue, with
    assert "Source:" in text  # its explanation and source
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pages) <= 3
    (letter,) = export(report_path, "pdf", tmp_path / "l.pdf", paper="letter")
    assert "letter" in subprocess.run(["pdfinfo", str(letter)], capture_output=True,
                                      text=True).stdout  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_mobile_ready(report_path, tmp_path):
    (html,) = export(report_path, "html", tmp_path / "r.html")
    parser = _Collector()
    parser.feed(html.read_text())
    images = [a["src"] for t, a in parser.tags if t == "img"]
    assert len(images) == 2  # the plot and the key frame
    assert all(src.startswith("data:image/") for src in images)  # nothing external
    assert not [a for t, a in parser.tags if t in ("script", "link")]
    assert any(t == "meta" and a.get("name") == "viewport" for t, a in parser.tags)
    text = " ".join(parser.text)
    assert "Chest up, brace your core" in text
    assert sum(1 for t, _ in parser.tags if t == "tr") == 1 + 3  # header + 3 reps


def test_csv_round_trip(report_path, tmp_path):
    reps_csv, frames_csv = export(report_path, "csv", tmp_path / "r.csv")
    report = json.loads(report_path.read_text())
    rows = list(csv.DictReader(reps_csv.open()))
    assert len(rows) == len(report["reps"]) == 3
    for row, rep in zip(rows, report["reps"], strict=True):
        assert float(row["front_knee_angle_deg"]) == rep["front_knee_angle_deg"]
        assert row["rear_foot_landing"] == rep["rear_foot_landing"]
    frames = list(csv.DictReader(frames_csv.open()))
    assert len(frames) == len(report["series"]["t_s"])
    assert float(frames[10]["t_s"]) == report["series"]["t_s"][10]


def test_export_never_overwrites_without_asking(report_path, tmp_path, capsys):
    target = tmp_path / "r.html"
    target.write_text("mine")
    assert main(["export", str(report_path), "-f", "html", "-o", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "mine"
    assert main(["export", str(report_path), "-f", "html", "-o", str(target),
                 "--overwrite"]) == 0  # fmt: skip
    assert target.read_text() != "mine"


@pytest.mark.parametrize(
    "content, message",
    [(None, "Report not found"), ("{not json", "not a readable report.json"),
     ('{"schema_version": 7}', "not a FormCoach report")],
)  # fmt: skip
def test_bad_report_files(tmp_path, capsys, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    assert main(["export", str(path), "-f", "pdf"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("exercise", "summary", "first_columns"),
    [
        ("reverse-lunge", {"rep_count": 0}, ["index", "stepping_leg"]),
        ("backward-walk", {"step_count": 0}, ["t_s"]),
        ("reverse-row", {"strokes": 0}, ["index", "start_s", "end_s", "duration_s"]),
    ],
)
def test_csv_without_reps_or_steps_still_has_its_header(
    report_path, tmp_path, exercise, summary, first_columns
):
    """A clip with no reps or steps: the CSV keeps its exercise's columns."""
    report = json.loads(report_path.read_text())
    report.update(exercise=exercise, reps=[], steps=[], summary=summary)
    empty = tmp_path / "empty.json"
    write_json_atomic(empty, report)
    target, frames = export(empty, "csv", tmp_path / "empty.csv")
    lines = target.read_text().splitlines()
    assert len(lines) == 1
    header = lines[0].split(",")
    assert header[: len(first_columns)] == first_columns
    if exercise == "reverse-lunge":  # the same names as a CSV with reps
        (full, _) = export(report_path, "csv", tmp_path / "full.csv")
        full_header = full.read_text().splitlines()[0].split(",")
        assert set(header) <= set(full_header)
    assert len(frames.read_text().splitlines()) == 1 + len(report["series"]["t_s"])


def test_pdf_rep_table_headers_keep_their_words_whole(report_path, tmp_path):
    """Narrow columns broke headers mid-word ("complet / e", "descent / s")."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    from formcoach.export.common import table

    header, _ = table(json.loads(report_path.read_text()), wide=False)
    (pdf,) = export(report_path, "pdf", tmp_path / "r.pdf")
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    # The words between the "Reps" heading and the first row: the header.
    words = set(text.split("\nReps\n", 1)[1].split("\n1 ", 1)[0].split())
    header_words = {word for label in header for word in label.split()}
    assert header_words <= words, sorted(header_words - words)
