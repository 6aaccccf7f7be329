"""Page: analyse an uploaded workout video."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import streamlit as st

from formcoach.app.common import (
    check_upload_size,
    load_app_config,
    new_work_dir,
    remove_dir,
)
from formcoach.app.results import show_report
from formcoach.catalog import SPECS
from formcoach.errors import FormCoachError
from formcoach.history import History
from formcoach.model_pool import keep_ready, warm
from formcoach.paths import sessions_dir, upload_name
from formcoach.pipeline import REPORT_NAME, VIDEO_NAME, analyze_video
from formcoach.pose import PoseOptions
from formcoach.settings import preset_names

logger = logging.getLogger("formcoach.app")

st.title("Analyse a video")
st.write(
    "Upload a workout, the whole body in the picture, filmed from any side. The "
    "results say which view was seen and what it can and cannot measure; a "
    "tilted phone is levelled. The video is analysed on this machine and never "
    "leaves it."
)

names = [*SPECS, "auto"]
exercise = st.selectbox(
    "Exercise",
    names,
    format_func=lambda n: SPECS[n].title if n in SPECS else "Auto: a whole session",
    key="upload_exercise",
    help="Auto finds which workouts the video holds, and when, and coaches each.",
)
preset = st.selectbox("Preset", preset_names(), index=preset_names().index("standard"))
# The server analyses upload after upload: a fresh pose model is made while
# the user picks a file (0.3-0.5 s less to wait), and again after each one.
keep_ready()
try:
    warm(PoseOptions.from_config(load_app_config(preset)))
except FormCoachError:
    pass  # a bad setting is reported by the analysis itself
mirrored = st.checkbox("Mirrored (selfie camera)", value=False)
uploaded = st.file_uploader(
    "Video (mp4, mov, avi, webm, mkv) or landmarks (.trc from Sports2D, Pose2Sim, "
    "OpenCap; .bvh motion capture)",
    type=["mp4", "mov", "avi", "webm", "mkv", "trc", "bvh"],
    key="upload_file",
)
camera = st.selectbox(
    "Virtual camera for .trc/.bvh landmarks",
    ["side", "front", "back", "oblique"],
    key="upload_camera",
    help="Landmark files have no video: they are seen through a virtual camera "
    "standing here, relative to the way the person faces.",
)

if uploaded is not None and st.button("Analyse", type="primary"):
    config = load_app_config(preset).with_overrides([f"virtual_camera.view={camera}"])
    remove_dir(st.session_state.pop("work_dir", None))  # the previous results
    work = new_work_dir()
    st.session_state["work_dir"] = str(work)
    # Keep the user's file name only for display: never as a path.
    source = work / upload_name(uploaded.name)
    progress = st.progress(0.0, text="Reading the video")
    try:
        check_upload_size(uploaded.size, float(config.get("app.max_upload_mb")))
        source.write_bytes(uploaded.getbuffer())

        def on_progress(stage: str, done: int, total: int) -> None:
            frac = min(done / total, 1.0) if total else 0.0
            label = "Finding the pose" if stage == "pose" else "Drawing the video"
            base, span = (0.0, 0.7) if stage == "pose" else (0.7, 0.3)
            progress.progress(
                base + span * frac, text=f"{label}: {done}/{total} frames"
            )

        report = analyze_video(
            source,
            exercise,
            work / "out",
            config,
            mirrored=mirrored,
            progress=on_progress,
        )
        report["video"]["path"] = uploaded.name
        # Every analysed video is saved to the history (the report, not the video).
        session_id = History().save(report, source="video", title=uploaded.name)
        st.session_state["session_id"] = session_id
        st.session_state["report"] = report
        st.session_state["video_path"] = str(work / "out" / VIDEO_NAME)
        progress.progress(1.0, text="Done")
    except FormCoachError as exc:
        progress.empty()
        for key in ("report", "work_dir", "session_id"):
            st.session_state.pop(key, None)
        remove_dir(work)  # nothing of a failed analysis is kept
        st.error(str(exc).replace(str(source), uploaded.name))
    except Exception:  # never a traceback in the page
        logger.exception("analysis failed")
        progress.empty()
        for key in ("report", "work_dir", "session_id"):
            st.session_state.pop(key, None)
        remove_dir(work)
        st.error(
            "Something went wrong while analysing this video. It was not saved. "
            "The details are in the server log."
        )
    finally:
        source.unlink(missing_ok=True)  # the upload is never kept

report = st.session_state.get("report")
if report is not None:
    video = st.session_state.get("video_path")
    show_report(report, Path(video) if video else None)
    session_id = st.session_state.get("session_id")
    if session_id is not None and st.button("Keep the annotated video in my history"):
        keep = sessions_dir() / str(int(session_id))
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy2(video, keep / VIDEO_NAME)
        History().attach_files(session_id, keep)
        st.success("Saved. Delete it any time from the History page.")
    if st.button("Delete these results"):
        remove_dir(st.session_state.pop("work_dir", None))
        for key in ("report", "video_path", "session_id"):
            st.session_state.pop(key, None)
        st.rerun()
    st.caption(
        f"Results are kept in a temporary folder until you delete them ({REPORT_NAME})."
    )
