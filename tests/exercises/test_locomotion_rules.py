"""The locomotion and machine coaches' rules as data, and each gait rule firing
on a hand-built trajectory with a known fault."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from formcoach.catalog import equipment, locomotion
from formcoach.errors import InputError
from formcoach.exercises import EXERCISES, create_coach
from formcoach.landmarks import Landmark as L
from formcoach.pipeline import run_coach
from formcoach.results import Cue, top_cues
from formcoach.settings import Config, load_config
from formcoach.smoothing import smooth_offline

from ..synthetic import frames_of, gait_sequence
from .test_equipment import cycling, rowing

MODULES = {locomotion: ["backward-walk", "retro-run", "band-walk", "backward-shuffle"],
           equipment: ["backward-cycle", "reverse-row"]}  # fmt: skip
COACHES = [(module, name) for module, names in MODULES.items() for name in names]


def module_cues(module) -> list[Cue]:
    return [v for v in vars(module).values() if isinstance(v, Cue)]


@pytest.mark.parametrize("module, name", COACHES)
def test_every_cue_is_raised_by_exactly_one_rule(module, name):
    cls = EXERCISES[name]
    own = [rule.cue for rule in cls.rules]
    assert len(own) == len(set(own)), f"{name} raises a cue by two rules"
    assert set(own) <= set(module_cues(module))
    # Across the module's coaches, each cue constant has one Rule object.
    rules = {id(r): r for n in MODULES[module] for r in EXERCISES[n].rules}
    for cue in module_cues(module):
        holders = [r for r in rules.values() if r.cue is cue]
        assert len(holders) == 1, f"{cue.code} is in {len(holders)} rules"
        assert cue.code.startswith(("gait.", "machine."))


@pytest.mark.parametrize("module, name", COACHES)
def test_rule_thresholds_resolve_in_the_default_config(module, name):
    config = load_config()
    cls = EXERCISES[name]
    assert cls.rules
    for rule in cls.rules:
        assert rule.when and rule.scope in ("rep", "step", "set", "live", "frame")
        for key in rule.thresholds:
            dotted = key if "." in key else f"{cls.section}.{key}"
            value = config.get(dotted)  # KeyError if not there
            assert isinstance(value, int | float), dotted
    for plot in cls.plots:
        for _, key in plot.thresholds:
            assert isinstance(config.get(f"{cls.section}.{key}"), int | float)
    for column in (*cls.rep_columns, *cls.step_columns):
        assert all(len(word) <= 9 for word in column.label.split())


def _config_with(section: str, edit) -> Config:
    tree = copy.deepcopy(load_config().tree)
    node = tree
    for part in section.split("."):
        node = node[part]
    edit(node)
    return Config(tree=tree)


TABLES = [(name, EXERCISES[name].section) for _, name in COACHES] + [
    (name, table)
    for name in MODULES[locomotion]
    for table in ("exercises.locomotion", "gait")
]


@pytest.mark.parametrize("name, section", TABLES)
def test_a_mistyped_key_fails_when_the_coach_is_built(name, section):
    # The first required key (smoothing_cutoff_hz may be left out).
    key = next(k for k in load_config().section(section) if k != "smoothing_cutoff_hz")

    def rename(node):
        node[key + "x"] = node.pop(key)

    with pytest.raises(InputError, match=f"missing key.*{key}.*unknown key.*{key}x"):
        create_coach(name, _config_with(section, rename))

    def drop(node):
        node.pop(key)

    with pytest.raises(InputError, match=f"missing key.*{key}"):
        create_coach(name, _config_with(section, drop))


def test_a_wrong_type_fails_when_the_coach_is_built():
    def text(node):
        node["crossings_max"]["value"] = "none"

    with pytest.raises(InputError, match="crossings_max"):
        create_coach(
            "backward-shuffle", _config_with("exercises.backward_shuffle", text)
        )


# -- each rule fires on a hand-built trajectory --------------------------------


def raised_codes(name, frames, *overrides, smooth=True):
    """Every code the coach raises: live cues, the set's cues and warnings."""
    config = load_config(overrides=list(overrides))
    coach = create_coach(name, config)
    coach._top_cues = lambda cues: top_cues(cues, limit=99)
    if smooth:
        frames = smooth_offline(frames, config, cutoff_hz=coach.smoothing_cutoff_hz)
    feedback, result = run_coach(frames, coach)
    codes = {c["code"] for c in result.summary["top_cues"]}
    codes |= {f.cue.code for f in feedback if f.cue}
    codes |= {w.code for w in result.warnings if w.code != "view.not_measurable"}
    assert codes <= {r.cue.code for r in type(coach).rules}  # nothing undeclared
    return codes


def walk(*, lean=None, nose_back=False, fps=60.0, **kwargs):
    poses, _ = gait_sequence(fps=fps, **kwargs)
    if lean is not None:
        poses = [replace(p, lean_deg=lean) for p in poses]
    frames = frames_of(poses, fps=fps)
    if nose_back:  # the head turned to look back (the figure faces +x)
        for f in frames:
            ears = (f.xy[L.LEFT_EAR, 0] + f.xy[L.RIGHT_EAR, 0]) / 2
            f.xy[L.NOSE, 0] = ears - 30
    return frames


def treadmill_walk(stride_times, fps=60.0):
    """On a treadmill, one stride after another with the given durations."""
    frames, t0 = [], 0.0
    for stride_s in stride_times:
        poses, _ = gait_sequence(treadmill=True, strides=1, stride_s=stride_s, fps=fps)
        part = frames_of(poses, fps=fps)
        frames += [
            replace(f, frame_index=len(frames) + i, timestamp_ms=(t0 + i / fps) * 1000)
            for i, f in enumerate(part)
        ]
        t0 += len(part) / fps
    return frames


CASES = {
    "wrong_direction": ("backward-walk", lambda: walk(direction=+1), ()),
    "heel_landing": ("backward-walk", lambda: walk(landing_pitch=-0.3), ()),
    "too_fast": ("backward-walk", lambda: walk(stride_s=0.8, strides=9), ()),
    "hunched": ("backward-walk", lambda: walk(lean=30.0), ()),
    "leaning_back": ("backward-walk", lambda: walk(lean=-15.0), ()),
    "looking_back": ("backward-walk", lambda: walk(nose_back=True), ()),
    "long_steps": ("backward-walk", lambda: walk(amplitude=0.7), ()),
    "no_arm_swing": ("backward-walk", lambda: walk(), ()),
    "support": ("backward-walk", lambda: walk(treadmill=True), ()),
    "clear_space": ("backward-walk", lambda: walk(), ()),
    "lean_forward": ("retro-run", lambda: walk(lean=0.0), ()),
    "good": ("retro-run", lambda: walk(), ()),
    "knees_straight": ("band-walk", lambda: walk(), ()),
    "feet_together": (
        "band-walk",
        lambda: walk(),
        ("exercises.band_walk.feet_apart_min=0.8",),
    ),
    "stand_lower": (
        "backward-shuffle",
        lambda: walk(),
        ("exercises.backward_shuffle.knee_mean_max_deg=120",),
    ),
    "feet_crossing": ("backward-shuffle", lambda: walk(), ()),
    "uneven": ("backward-walk", lambda: treadmill_walk([0.9, 1.5] * 4), ()),
    "fatigue": ("backward-walk", lambda: treadmill_walk([1.0] * 5 + [1.4] * 5), ()),
}


@pytest.mark.parametrize("cue", sorted(CASES))
def test_each_gait_rule_fires_on_its_fault(cue):
    name, make, overrides = CASES[cue]
    codes = raised_codes(name, make(), *overrides)
    assert f"gait.{cue}" in codes


def test_every_gait_cue_has_a_trajectory():
    assert {c.code for c in module_cues(locomotion)} == {f"gait.{k}" for k in CASES}


def test_a_clean_backward_walk_raises_no_posture_fault():
    codes = raised_codes("retro-run", walk())
    assert codes == {"gait.good", "gait.clear_space"}
    assert not codes & {"gait.hunched", "gait.leaning_back", "gait.looking_back"}


@pytest.mark.parametrize(
    "name, frames, overrides, code",
    [
        ("backward-cycle", lambda: cycling(backward=False), (), "wrong_direction"),
        ("backward-cycle", lambda: cycling(hip_y=470.0), (), "saddle_high"),
        ("backward-cycle", lambda: cycling(hip_y=560.0), (), "saddle_low"),
        ("backward-cycle", lambda: cycling(rpm=60, seconds=60, slow_down=0.4), (),
         "fatigue"),
        ("backward-cycle", lambda: cycling(),
         ("exercises.backward_cycle.trunk_lean_max_deg=20",), "hunched"),
        ("backward-cycle", lambda: cycling(rpm=60, seconds=60, slow_down=0.4),
         ("exercises.backward_cycle.cadence_cv_max=0.05",), "uneven_cadence"),
        ("reverse-row", lambda: rowing(drive_s=1.5, recovery_s=1.5), (),
         "rushed_return"),
        ("reverse-row", lambda: rowing(arms_early=True), (), "arms_early"),
        ("reverse-row", lambda: rowing(layback_deg=40), (), "over_lean"),
        ("reverse-row", lambda: rowing(layback_deg=40), (), "neck"),
        ("reverse-row", lambda: rowing(),
         ("exercises.reverse_row.catch_knee_max_deg=30",), "short_stroke"),
    ],
)  # fmt: skip
def test_machine_rules_fire(name, frames, overrides, code):
    assert f"machine.{code}" in raised_codes(name, frames(), *overrides, smooth=False)


def test_pelvis_rocking():
    frames = cycling()
    for f in frames:  # the hips bob 20 px with the pedal stroke
        bob = 20 * np.sin(f.timestamp_ms / 1000 * 2 * np.pi * 40 / 60)
        f.xy[[L.LEFT_HIP, L.RIGHT_HIP], 1] += bob
    assert "machine.rocking" in raised_codes("backward-cycle", frames, smooth=False)
