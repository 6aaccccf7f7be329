"""Showing an analysis in the page: summary, tables, plots, cues, downloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st


def show_summary(report: dict[str, Any]) -> None:
    """Headline numbers of the set."""
    s = report.get("summary", {})
    cols = st.columns(4)
    if "segment_count" in s:
        cols[0].metric("Workouts found", s["segment_count"])
        cols[1].metric("Active time (s)", s.get("duration_s", "-"))
        cols[2].metric("Workouts", ", ".join(s.get("exercises", [])) or "-")
    elif "rep_count" in s:
        cols[0].metric("Reps (complete)", s["rep_count"])
        cols[1].metric("Partial", s.get("partial_reps", 0))
        cols[2].metric("Score", s.get("score") if s.get("score") is not None else "-")
        cols[3].metric("Movement", s.get("movement", "-"))
    elif "step_count" in s:
        cols[0].metric("Steps", s["step_count"])
        cols[1].metric("Cadence /min", s.get("cadence_spm") or "-")
        share = s.get("ball_landing_share")
        cols[2].metric("Ball landings", f"{share:.0%}" if share is not None else "-")
        cols[3].metric("Direction", s.get("direction_of_travel", "-"))
    video = report["video"]
    st.caption(
        f"{video['frames']} frames, {video['duration_s']} s, view: {report['view']}, "
        f"full-body pose on {report['pose_coverage']:.0%} of frames"
    )
    person = report.get("person") or {}
    if person.get("people_seen", 0) > 1:
        # Several people were in the picture: say whom we coached and why.
        st.caption(
            f"{person['people_seen']} people in the picture; "
            f"coached: {person['why']}."
        )
    note = view_note(report)
    if note:
        st.info(note)
    for warning in report.get("warnings", []):
        st.warning(warning["message"])


def view_note(report: dict[str, Any]) -> str:
    """What the report's camera view showed of its workout (from the catalog)."""
    from ..catalog import spec_for

    spec = spec_for(str(report.get("exercise", "")))
    if spec is None:
        return ""
    note = spec.view_message(str(report.get("view", "unknown")))
    if report.get("video", {}).get("levelled"):
        roll = report["video"].get("roll_deg")
        note += f" The camera was rolled by about {abs(roll):.0f} deg: levelled."
    return note


def show_cues(report: dict[str, Any]) -> None:
    """The set's top cues with why and where from."""
    cues = report.get("summary", {}).get("top_cues") or []
    if not cues:
        return
    st.subheader("What to work on")
    for cue in cues:
        with st.expander(f"{cue['message']}  ({cue.get('count', 1)}×)"):
            st.write(cue.get("explanation", ""))
            if cue.get("source"):
                st.caption(f"Source: {cue['source']}")


def show_tables(report: dict[str, Any]) -> None:
    """Per-rep or per-step table, with the exercise's declared columns."""
    from ..export.common import columns, rows_kind, table_rows

    kind = rows_kind(report)
    items = table_rows(report)
    if not items:
        return
    st.subheader(kind.capitalize())
    cols = columns(report)
    rows = [{c.header: c.format(item) for c in cols} for item in items]
    st.dataframe(rows, width="stretch", hide_index=True)


def show_plots(report: dict[str, Any]) -> None:
    """Knee angles and trunk lean over time."""
    series = report.get("series") or {}
    if not series.get("t_s"):
        return
    st.subheader("Angles over time")
    data = {
        "time (s)": series["t_s"],
        "left knee (deg)": series["left_knee_deg"],
        "right knee (deg)": series["right_knee_deg"],
        "trunk lean (deg)": series["trunk_lean_deg"],
    }
    st.line_chart(data, x="time (s)")


def show_downloads(report: dict[str, Any], video_path: Path | None) -> None:
    """Download buttons for the report (JSON, PDF, HTML, CSV) and the video."""
    from ..export.csv_export import items_csv_bytes
    from ..export.html_export import render_html
    from ..export.pdf_export import render_pdf

    cols = st.columns(5)
    cols[0].download_button(
        "Download report (JSON)",
        data=json.dumps(report, indent=2).encode(),
        file_name="formcoach-report.json",
        mime="application/json",
    )
    cols[1].download_button(
        "PDF report",
        data=render_pdf(report),
        file_name="formcoach-report.pdf",
        mime="application/pdf",
    )
    cols[2].download_button(
        "HTML report",
        data=render_html(report).encode(),
        file_name="formcoach-report.html",
        mime="text/html",
    )
    cols[3].download_button(
        "CSV (reps/steps)",
        data=items_csv_bytes(report),
        file_name="formcoach-report.csv",
        mime="text/csv",
    )
    if video_path is not None and video_path.is_file():
        cols[4].download_button(
            "Download annotated video (MP4)",
            data=video_path.read_bytes(),
            file_name="formcoach-annotated.mp4",
            mime="video/mp4",
        )


def show_report(report: dict[str, Any], video_path: Path | None) -> None:
    """Everything about one analysis."""
    show_summary(report)
    if video_path is not None and video_path.is_file():
        st.video(str(video_path))
    show_cues(report)
    show_tables(report)
    show_plots(report)
    show_downloads(report, video_path)
