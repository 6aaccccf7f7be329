"""Page: live webcam coaching over WebRTC."""

from __future__ import annotations

import json
import queue
import time

import streamlit as st
import streamlit.components.v1 as components
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from formcoach.app.common import load_app_config
from formcoach.app.live import LiveCoach, ice_servers
from formcoach.catalog import SPECS
from formcoach.history import History
from formcoach.settings import preset_names

st.title("Live coaching")

with st.sidebar:
    exercise = st.selectbox(
        "Exercise",
        [*SPECS, "auto"],
        format_func=lambda n: SPECS[n].title if n in SPECS else "Auto: name it for me",
        key="live_exercise",
    )
    preset = st.selectbox(
        "Preset",
        preset_names(),
        index=preset_names().index("standard"),
        key="live_preset",
    )
    target = st.number_input(
        "Target reps or steps (0 = none)", 0, 500, 0, key="live_target"
    )
    mirror = st.toggle(
        "Mirror the picture (selfie view)", value=True, key="live_mirror"
    )
    speak = st.toggle("Speak the cues", value=False, key="live_speak")

config = load_app_config(preset)
settings_key = (exercise, preset, mirror)
if st.session_state.get("live_settings") != settings_key:
    old = st.session_state.pop("live_coach", None)
    if old is not None:
        old.close()
    st.session_state["live_settings"] = settings_key
    st.session_state["live_coach"] = LiveCoach(exercise, config, mirror_display=mirror)
    st.session_state.pop("live_result", None)
coach: LiveCoach = st.session_state["live_coach"]

st.write(
    "Stand with your whole body, feet included, in the picture, and check the "
    "space behind you. Press **START**: the panel says which view the camera "
    "sees and what it can measure from there."
)
col_video, col_panel = st.columns([3, 2])
with col_video:
    ctx = webrtc_streamer(
        key="formcoach-live",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": ice_servers(config)},
        media_stream_constraints={
            "video": {
                "width": {"ideal": int(config.get("app.live_width"))},
                "height": {"ideal": int(config.get("app.live_height"))},
            },
            "audio": False,
        },
        video_frame_callback=coach.callback,
        async_processing=True,
    )
with col_panel:
    safety = st.empty()
    setup = st.empty()
    view_box = st.empty()
    counter = st.empty()
    cue_box = st.empty()
    stats = st.empty()
    table = st.empty()
    voice = st.empty()

last_spoken = st.session_state.setdefault("last_spoken", (None, -1e9))
gap = float(config.get("app.audio_cue_gap_s"))
# The overlay on the video shows every frame; the panel beside it is redrawn
# a few times a second and only where something changed. Redrawing it at the
# frame rate cost the server and the browser CPU that two sessions on two
# cores need for the pose model (docs/reliability.md).
panel_period_s = 1.0 / float(config.get("app.live_panel_hz"))
shown: dict[str, object] = {}


def show(key: str, value: object) -> bool:
    """True when ``value`` differs from what the panel shows under ``key``."""
    if shown.get(key) == value:
        return False
    shown[key] = value
    return True


while ctx.state.playing:
    try:
        update = coach.updates.get(timeout=1.0)
    except queue.Empty:
        stats.caption("Waiting for the camera...")
        continue  # a Streamlit call each loop lets stop/rerun requests through
    stop_now = update.cue_code == "gait.clear_space"
    if show("safety", stop_now):
        if stop_now:
            safety.error("STOP: check the space behind you")
        else:
            safety.empty()
    if show("setup", update.setup_problems):
        if update.setup_problems:
            setup.warning("Camera setup: " + " ".join(update.setup_problems))
        else:
            setup.success("Camera setup looks good")
    if show("view", update.view_note) and update.view_note:
        view_box.caption(update.view_note)
    done = update.counter
    if target:
        done += f"  (target {target})"
    if show("counter", (done, update.phase)):
        counter.markdown(f"## {done}\n**{update.phase or '-'}**")
    if show("cue", (update.cue_message, update.cue_severity)):
        if update.cue_message:
            box = cue_box.error if update.cue_severity == "safety" else cue_box.info
            box(f"### {update.cue_message}")
        else:
            cue_box.empty()
    stats.caption(
        f"{update.fps:.0f} frames/s processed, {update.latency_ms:.0f} ms per frame"
    )
    if update.reps and show("reps", len(update.reps)):
        spec = SPECS.get(update.exercise)
        columns = (spec.rep_columns or spec.step_columns) if spec else ()
        rows = [
            {c.header: c.format(r) for c in columns if not c.wide}
            for r in update.reps[-8:]
        ]
        table.dataframe(rows, hide_index=True)
    code, when = st.session_state["last_spoken"]
    if (
        speak
        and update.cue_message
        and update.cue_code != code
        and update.t_s - when >= gap
    ):
        st.session_state["last_spoken"] = (update.cue_code, update.t_s)
        with voice:
            utterance = json.dumps(update.cue_message)
            components.html(
                "<script>window.parent.speechSynthesis.speak("
                f"new SpeechSynthesisUtterance({utterance}));</script>",
                height=0,
            )
    time.sleep(panel_period_s)  # the next get() returns the newest update

if not ctx.state.playing and coach.frames > 0:
    if "live_result" not in st.session_state:
        result = coach.finish()
        st.session_state["live_result"] = {
            "schema_version": 1,
            "exercise": exercise,
            "preset": preset,
            **result.as_report(),
        }
        if "segments" in result.summary:  # Auto: one entry per workout
            live_set = st.session_state["live_result"]
            live_set["segments"] = live_set["summary"].pop("segments")
            live_set["schema_version"] = 2
        # Every live set is saved to the history.
        History().save(st.session_state["live_result"], source="live", title="Live set")
    live_set = st.session_state["live_result"]
    st.subheader("Set summary")
    st.json(live_set["summary"], expanded=False)
    st.download_button(
        "Download the set (JSON)",
        data=json.dumps(live_set, indent=2).encode(),
        file_name="formcoach-live-set.json",
        mime="application/json",
    )
    if st.button("Start a new set"):
        st.session_state.pop("live_settings", None)
        st.rerun()
