"""Page: presets and thresholds, each with its source; saved per user."""

from __future__ import annotations

import streamlit as st

from formcoach.app.common import (
    load_app_config,
    reset_user_settings,
    save_user_settings,
    user_config_path,
)
from formcoach.errors import FormCoachError
from formcoach.paths import forget_everything
from formcoach.settings import load_config

SECTIONS = {
    "Reverse lunge": "exercises.reverse_lunge",
    "Backward walking": "exercises.backward_walk",
    "Retro running": "exercises.retro_run",
    "Band walk": "exercises.band_walk",
    "Backward shuffle": "exercises.backward_shuffle",
    "Locomotion (shared)": "exercises.locomotion",
    "Gait layer": "gait",
    "Smoothing": "smoothing",
    "App": "app",
}

st.title("Settings")
st.write(
    "Every threshold with where it comes from. Changes are saved for you "
    f"(`{user_config_path()}`) and used by the other pages and by "
    "`formcoach analyze --config` with that file."
)
label = st.selectbox("Section", list(SECTIONS))
section = SECTIONS[label]
config = load_app_config()
defaults = load_config()
changed: dict[str, float] = {}
for key, info in config.thresholds(section).items():
    value = info["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        continue
    new = st.number_input(
        f"{key} ({info['unit']})" if info["unit"] else key,
        value=float(value),
        key=f"set-{section}-{key}",
        help=info["source"],
    )
    st.caption(info["source"])
    if new != float(defaults.get(f"{section}.{key}")):
        changed[key] = new
cols = st.columns(2)
if cols[0].button("Save", type="primary"):
    saved = {
        s: {k: v["value"] for k, v in config.thresholds(s).items()
            if v["source"] == "set by the user"}
        for s in SECTIONS.values()
    }  # fmt: skip
    saved[section] = changed
    try:
        path = save_user_settings(saved)
        st.success(f"Saved to {path}")
    except FormCoachError as exc:
        st.error(str(exc))
if cols[1].button("Back to the defaults"):
    reset_user_settings()
    st.success("Saved settings removed: the defaults apply.")

st.divider()
st.subheader("Your data")
st.write(
    "History, saved videos and settings are kept only on this machine, in "
    f"`{user_config_path().parent}`."
)
confirm = st.checkbox("I want to delete all my FormCoach data", key="forget_confirm")
if st.button("Delete all my data", disabled=not confirm):
    removed = forget_everything()
    st.success(f"Deleted {len(removed)} item(s). Nothing of yours is left.")
