"""Page: the 4-week plan with this week's progress from the history."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from formcoach.history import History
from formcoach.paths import data_dir
from formcoach.plan import load_plan, week_status

st.title("4-week plan")
plan = load_plan()
saved = data_dir() / "plan_start.txt"
default = (
    dt.date.fromisoformat(saved.read_text().strip())
    if saved.is_file()
    else dt.date.today()
)
start = st.date_input("Plan start", value=default)
if start != default:
    saved.write_text(start.isoformat())
status = week_status(plan, start, History())
if status.week is None:
    for hint in status.hints:
        st.info(hint)
else:
    st.subheader(f"Week {status.week.week}: {status.week.focus}")
    for item in status.items:
        done = "✅" if item.remaining == 0 else "⬜"
        target = item.item.per_week
        st.write(f"{done} **{item.item.what}**: {item.done} of {target} this week")
    nxt = status.next_session()
    st.success(f"Next: {nxt.what}" if nxt else "This week's sessions are done.")
    for hint in status.hints:
        st.warning(hint)
with st.expander("The whole plan"):
    for week in plan.weeks:
        st.markdown(f"**Week {week.week}**: {week.focus}")
        for item in week.items:
            st.markdown(f"- {item.what} ({item.per_week}× a week)")
