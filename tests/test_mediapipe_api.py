"""MediaPipe is imported without loading pyplot and sounddevice, which still
work when something uses them later (the PDF export's plots)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import sys
    from formcoach.mediapipe_api import mediapipe

    mp = mediapipe()
    assert mp.tasks.vision.PoseLandmarker is not None
    assert mediapipe() is mp
    # Deferred: named in sys.modules, not run (pyplot's figure module unloaded).
    assert "matplotlib.figure" not in sys.modules, "pyplot was loaded"
    assert "_sounddevice" not in sys.modules, "sounddevice was loaded"

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


def test_mediapipe_loads_without_pyplot_and_plots_still_work(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
