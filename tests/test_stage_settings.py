"""The typed settings: read once from the config, and a broken config fails early."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest

from formcoach.batch import run_batch
from formcoach.errors import InputError
from formcoach.lighting import LightingSettings
from formcoach.live_session import LiveSession
from formcoach.pipeline import analyze_video
from formcoach.pose import PoseOptions
from formcoach.settings import Config, load_config
from formcoach.smoothing import SmoothingSettings
from formcoach.stage_settings import (
    AnalysisSettings,
    PipelineSettings,
    VideoSettings,
    ViewSettings,
)

SETTINGS = {
    "pose": PoseOptions,
    "smoothing": SmoothingSettings,
    "analysis": AnalysisSettings,
    "lighting": LightingSettings,
    "view": ViewSettings,
    "video": VideoSettings,
}


def _without(dotted: str) -> Config:
    config = load_config()
    tree = copy.deepcopy(config.tree)
    section, key = dotted.split(".")
    del tree[section][key]
    return Config(tree=tree, preset=config.preset, sources=config.sources)


def _every_key() -> list[str]:
    config = load_config()
    return [
        f"{section}.{key}"
        for section, cls in SETTINGS.items()
        for key in config.section(section)
        if key in {f.name for f in dataclasses.fields(cls)}
        or (section == "pose" and key in ("model", "model_path"))
    ]


def test_every_field_comes_from_the_default_config():
    config = load_config()
    for section, cls in SETTINGS.items():
        for f in dataclasses.fields(cls):
            assert f.name in config.section(section), f"{section}.{f.name}"


def test_settings_hold_the_configured_values():
    config = load_config(
        overrides=["analysis.workers=3", "video.crf=30", "smoothing.max_gap_s=0.4"]
    )
    settings = PipelineSettings.from_config(config)
    assert settings.analysis.workers == 3
    assert settings.analysis.pose_workers() == 3
    assert settings.video.crf == 30
    assert settings.smoothing.max_gap_s == 0.4
    assert settings.view.side_max_width_ratio == config.get("view.side_max_width_ratio")
    assert settings.pose.num_poses == config.get("pose.num_poses")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.video.crf = 1  # type: ignore[misc]


@pytest.mark.parametrize("cls", [c for c in SETTINGS.values() if c is not PoseOptions])
def test_settings_have_no_defaults(cls):
    # Defaults live in formcoach/config/default.toml only.
    with pytest.raises(TypeError):
        cls()


@pytest.mark.parametrize("dotted", _every_key())
def test_a_missing_key_fails_at_construction_naming_it(dotted):
    with pytest.raises(InputError, match=re.escape(f"'{dotted}' is missing")):
        PipelineSettings.from_config(_without(dotted))


def test_a_mistyped_value_names_its_key():
    config = load_config()
    tree = copy.deepcopy(config.tree)
    tree["analysis"]["min_visibility"]["value"] = "high"
    with pytest.raises(
        InputError, match=re.escape("'analysis.min_visibility' must be a number")
    ):
        AnalysisSettings.from_config(Config(tree=tree))


def test_rotate_deg_is_checked_up_front():
    config = load_config(overrides=["video.rotate_deg=45"])
    with pytest.raises(
        InputError, match=re.escape("video.rotate_deg must be 0, 90, 180 or 270")
    ):
        VideoSettings.from_config(config)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("video.preset=quick", "video.preset must be one of"),
        ("video.x264_params=mbtree", "video.x264_params must be name=value pairs"),
        ("video.x264_params=mbtree=1::ref=2", "video.x264_params must be name=value"),
    ],
)
def test_the_encoder_options_are_checked_up_front(override, message):
    """A preset or x264 option string libx264 would reject (at the first
    frame, vaguely) fails when the settings are read, naming its key."""
    config = load_config(overrides=[override])
    with pytest.raises(InputError, match=re.escape(message)):
        VideoSettings.from_config(config)


def test_the_encoder_keywords_are_the_configured_ones():
    config = load_config(
        overrides=["video.preset=veryfast", "video.x264_params=ref=2", "video.crf=28"]
    )
    assert VideoSettings.from_config(config).encoder() == {
        "crf": 28,
        "preset": "veryfast",
        "x264_params": "ref=2",
        "max_short_side": config.get("video.max_short_side"),
    }


def test_analysis_fails_before_any_output_on_a_missing_key(tmp_path):
    out = tmp_path / "out"
    # The video does not exist either: the config is checked first.
    with pytest.raises(
        InputError, match=re.escape("'analysis.min_feet_share' is missing")
    ):
        analyze_video(
            tmp_path / "missing.mp4",
            "reverse-lunge",
            out,
            _without("analysis.min_feet_share"),
        )
    assert not out.exists()


def test_live_session_fails_at_start_on_a_missing_key():
    with pytest.raises(
        InputError, match=re.escape("'smoothing.one_euro_beta' is missing")
    ):
        LiveSession("reverse-lunge", _without("smoothing.one_euro_beta"))


def test_batch_checks_the_config_before_any_worker_starts(tmp_path):
    with pytest.raises(InputError, match=re.escape("'video.crf' is missing")):
        run_batch([], tmp_path / "out", config=_without("video.crf"))
