"""The slow import: MediaPipe without pyplot and sounddevice (which still work
when something uses them later), imported by several threads at once, and
imports that survive another thread's stopped import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from formcoach.outputs import write_json_atomic

from .synthetic import LungeSpec, lunge_report

DEFERRED = textwrap.dedent(
    """
    import sys
    from formcoach.slow_imports import mediapipe

    mp = mediapipe()
    assert mp.tasks.vision.PoseLandmarker is not None
    assert mediapipe() is mp
    # Deferred: MediaPipe's drawing helpers and sounddevice are named in
    # sys.modules but not run, so matplotlib is not imported at all.
    assert "matplotlib" not in sys.modules, "matplotlib was loaded"
    assert "_sounddevice" not in sys.modules, "sounddevice was loaded"
    # MediaPipe's drawing helpers still load when used.
    spec = mp.tasks.vision.drawing_utils.DrawingSpec(thickness=3)
    assert spec.thickness == 3 and "matplotlib.figure" in sys.modules
    assert mp.tasks.vision.drawing_styles.get_default_pose_landmarks_style()

    # What the report's angle plots do (formcoach/export/common.py).
    import io
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0.0, 0.1, 0.2], [170.0, 120.0, 95.0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\\x89PNG")
    print("ok")
    """
)

CONCURRENT = textwrap.dedent(
    """
    import threading

    from formcoach import slow_imports

    found = []
    errors = []

    def lane():
        try:
            found.append(slow_imports.mediapipe())
        except BaseException as exc:
            errors.append(exc)

    lanes = [threading.Thread(target=lane) for _ in range(3)]
    for t in lanes:
        t.start()
    import matplotlib.colors  # another import meanwhile, as a page's would be

    for t in lanes:
        t.join()
    assert not errors, errors
    assert len(found) == 3 and all(mp is found[0] for mp in found)
    assert found[0].tasks.vision.PoseLandmarker is not None
    print("ok")
    """
)


# An import stopped once where it enters module STOP_AT, as Python 3.11 stops
# one of two threads entering a package from different modules (CPython
# gh-83065). That is how a CI run lost every later MediaPipe import, when
# MediaPipe's import still ran matplotlib's (STOP_AT = "matplotlib.colors").
STOPPED_ONCE = textwrap.dedent(
    """
    import importlib.abc
    import logging
    import sys

    logging.basicConfig(level=logging.WARNING)


    class StopOnce(importlib.abc.MetaPathFinder):
        stopped = False

        def find_spec(self, name, path, target=None):
            if name == STOP_AT and not StopOnce.stopped:
                StopOnce.stopped = True
                raise RuntimeError("deadlock detected (simulated)")
            return None


    sys.meta_path.insert(0, StopOnce())
    """
)

# The failed import is another thread's, which went on (a spare model).
MATPLOTLIB_FAILED = 'STOP_AT = "matplotlib.colors"\n' + STOPPED_ONCE
MATPLOTLIB_FAILED += textwrap.dedent(
    """
    try:
        import matplotlib
    except RuntimeError:
        pass
    assert "matplotlib.cbook" in sys.modules and "matplotlib" not in sys.modules
    """
)

FAILED_BEFORE = MATPLOTLIB_FAILED + textwrap.dedent(
    """
    from formcoach.slow_imports import mediapipe

    assert mediapipe().tasks.vision.PoseLandmarker is not None
    import matplotlib

    assert matplotlib.get_data_path()
    print("ok")
    """
)

# The failed import is MediaPipe's own first try, in one of its own modules.
FAILED_INSIDE = 'STOP_AT = "mediapipe.tasks.python.vision.pose_landmarker"\n'
FAILED_INSIDE += STOPPED_ONCE + textwrap.dedent(
    """
    from formcoach.slow_imports import mediapipe

    assert mediapipe().tasks.vision.PoseLandmarker is not None
    assert StopOnce.stopped
    import matplotlib

    assert matplotlib.get_data_path()
    print("ok")
    """
)

# A page's PDF export (its fonts and angle plots come from matplotlib) after
# another thread's matplotlib import was stopped.
EXPORT_AFTER_FAILED = MATPLOTLIB_FAILED + textwrap.dedent(
    """
    import json

    from formcoach.export.pdf_export import render_pdf

    with open(sys.argv[1], encoding="utf-8") as report:
        assert render_pdf(json.load(report)).startswith(b"%PDF")
    print("ok")
    """
)


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> Path:
    """Three hand-built reverse lunges' report.json, for the export (no video)."""
    report = lunge_report([LungeSpec(), LungeSpec(lean_deg=40), LungeSpec()])
    path = tmp_path_factory.mktemp("report") / "report.json"
    write_json_atomic(path, report)
    return path


@pytest.mark.parametrize(
    ("script", "warning"),
    [
        (DEFERRED, None),
        (CONCURRENT, None),
        (FAILED_BEFORE, "modules left by a failed import: matplotlib."),
        (FAILED_INSIDE, "importing mediapipe failed; trying once more"),
        (EXPORT_AFTER_FAILED, "modules left by a failed import: matplotlib."),
    ],
    ids=[
        "mediapipe_deferred",
        "concurrent",
        "failed_before",
        "failed_inside",
        "export_after_failed",
    ],
)
def test_slow_imports(script, warning, report_path, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", script, str(report_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
    if warning is not None:
        assert warning in proc.stderr, proc.stderr[-3000:]
