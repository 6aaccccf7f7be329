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
from formcoach.settings import Config, load_config


def config_sections(config: Config) -> list[str]:
    """Every table of the config that holds settings (dotted), in file order."""

    def walk(node: dict, path: str) -> list[str]:
        thresholds = config.thresholds(path)
        tables = {
            k: v for k, v in node.items() if isinstance(v, dict) and k not in thresholds
        }
        own = [path] if len(tables) < len(node) else []
        return own + [s for k, v in tables.items() for s in walk(v, f"{path}.{k}")]

    return [
        section
        for top, node in config.tree.items()
        if top != "presets" and isinstance(node, dict)
        for section in walk(node, top)
    ]


st.title("Settings")
st.write(
    "Every threshold with where it comes from. Changes are saved for you "
    f"(`{user_config_path()}`) and used by the other pages and by "
    "`formcoach analyze --config` with that file."
)
config = load_app_config()
defaults = load_config()
sections = config_sections(defaults)
first = "exercises.reverse_lunge"  # the workout most people tune
section = st.selectbox(
    "Section", sections, index=sections.index(first) if first in sections else 0
)
changed: dict[str, float | str] = {}
for key, info in config.thresholds(section).items():
    value = info["value"]
    choices = [c.strip() for c in str(info["unit"]).split("|")]
    if isinstance(value, str) and len(choices) > 1 and value in choices:
        # A choice (pose.model): its unit lists the options, "full | lite".
        picked = st.selectbox(
            key,
            choices,
            index=choices.index(value),
            key=f"set-{section}-{key}",
            help=info["source"],
        )
        st.caption(info["source"])
        if picked != defaults.get(f"{section}.{key}"):
            changed[key] = picked
        continue
    if isinstance(value, bool) or not isinstance(value, int | float):
        continue
    # Whole-number settings (video.crf, smoothing.butterworth_order) stay ints.
    kind = int if isinstance(defaults.get(f"{section}.{key}"), int) else float
    new = st.number_input(
        f"{key} ({info['unit']})" if info["unit"] else key,
        value=kind(value),
        step=1 if kind is int else None,
        key=f"set-{section}-{key}",
        help=info["source"],
    )
    st.caption(info["source"])
    if new != defaults.get(f"{section}.{key}"):
        changed[key] = new
cols = st.columns(2)
if cols[0].button("Save", type="primary"):
    saved = {
        s: {k: v["value"] for k, v in config.thresholds(s).items()
            if v["source"] == "set by the user"}
        for s in sections
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
