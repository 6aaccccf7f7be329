"""Page: saved sessions, weekly trends, delete."""

from __future__ import annotations

import json

import streamlit as st

from formcoach.catalog import SPECS
from formcoach.history import History

st.title("History")
history = History()
exercise = st.selectbox(
    "Exercise",
    list(SPECS),
    format_func=lambda n: SPECS[n].title,
    key="history_exercise",
)
sessions = history.sessions(exercise)
if not sessions:
    st.info("No sessions yet for this exercise. Analyse a video or finish a live set.")
else:
    trends = history.weekly_trends(exercise)
    st.subheader("Week by week")
    keys = ["score", "front_knee_deg", "depth", "ball_landing_share", "cadence_spm"]
    present = [k for k in keys if any(t[k] is not None for t in trends)]
    if present:
        st.line_chart(
            {
                "week": [t["week"] for t in trends],
                **{k: [t[k] for t in trends] for k in present},
            },
            x="week",
        )
    st.subheader("Sessions")
    st.dataframe(
        [
            {
                "id": s.id,
                "date": s.created_at[:16].replace("T", " "),
                "source": s.source,
                "title": s.title,
                "reps": s.rep_count,
                "steps": s.step_count,
                "score": s.score,
                "top cue": s.cues[0] if s.cues else "",
            }
            for s in sessions
        ],
        hide_index=True,
    )
    choice = st.selectbox("Session", [s.id for s in sessions], key="history_pick")
    cols = st.columns(2)
    cols[0].download_button(
        "Download its report (JSON)",
        data=json.dumps(history.report(choice), indent=2).encode(),
        file_name=f"formcoach-session-{choice}.json",
        mime="application/json",
    )
    if cols[1].button("Delete this session", type="secondary"):
        history.delete(choice)
        st.success(f"Session {choice} and its files were deleted.")
        st.rerun()
