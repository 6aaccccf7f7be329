from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from formcoach.errors import InputError
from formcoach.settings import load_config, preset_names


def _default_tree():
    text = resources.files("formcoach.config").joinpath("default.toml").read_text()
    return tomllib.loads(text)


def _thresholds(node, path=""):
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        if isinstance(value, dict) and "value" in value:
            yield here, value
        elif isinstance(value, dict) and key != "presets":
            yield from _thresholds(value, here)


def test_every_threshold_has_a_unit_and_a_source():
    found = list(_thresholds(_default_tree()))
    assert len(found) > 30
    for key, node in found:
        assert node.get("source"), f"{key} has no source"
        assert "unit" in node, f"{key} has no unit"


def test_presets_exist_and_change_values():
    assert {"beginner", "standard", "rehab"} <= set(preset_names())
    standard = load_config(preset="standard")
    rehab = load_config(preset="rehab")
    key = "exercises.reverse_lunge.min_descent_s"
    assert rehab.get(key) > standard.get(key)
    assert rehab.source(key).startswith("rehab")


def test_user_file_then_overrides(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text(
        "[exercises.reverse_lunge]\nfront_knee_max_deg = 125\n"
        "[presets.physio.exercises.reverse_lunge]\nmin_descent_s = 3\n"
    )
    config = load_config(
        preset="physio", config_path=user, overrides=["smoothing.max_gap_s=0.5"]
    )
    assert config.get("exercises.reverse_lunge.front_knee_max_deg") == 125.0
    assert config.get("exercises.reverse_lunge.min_descent_s") == 3.0
    assert config.get("smoothing.max_gap_s") == 0.5
    assert config.source("smoothing.max_gap_s") == "set by the user"
    # Defaults are not changed for the next caller.
    assert load_config().get("smoothing.max_gap_s") == 0.25


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"overrides": ["pose.nonsense=1"]}, "Unknown config key 'pose.nonsense'"),
        ({"overrides": ["pose.num_poses=two"]}, "expects int"),
        ({"overrides": ["pose=1"]}, "is a table"),
        ({"overrides": ["novalue"]}, "must look like section.key=value"),
        ({"preset": "olympian"}, "Unknown preset 'olympian'"),
        ({"config_path": "/nonexistent/x.toml"}, "Config file not found"),
    ],
)
def test_bad_config_input_is_a_clear_error(kwargs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        load_config(**kwargs)


def test_invalid_toml_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[pose\nnum_poses = ")
    with pytest.raises(InputError, match="is not valid TOML"):
        load_config(config_path=bad)


ICE_SERVERS = [
    {"urls": ["stun:stun.example.org:3478"]},
    {"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"},
]


def test_saved_settings_are_toml_and_round_trip(tmp_path, monkeypatch):
    """Lists of tables (app.ice_servers) need real TOML, not JSON text."""
    from formcoach.app.common import load_app_config, save_user_settings

    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path))
    path = save_user_settings(
        {
            "app": {"ice_servers": ICE_SERVERS, "max_upload_mb": 50.0},
            "exercises.reverse_lunge": {"front_knee_max_deg": 125.0},
        }
    )
    tomllib.loads(path.read_text())  # valid TOML
    config = load_config(config_path=path)
    assert config.get("app.ice_servers") == ICE_SERVERS
    assert config.get("app.max_upload_mb") == 50.0
    assert config.get("exercises.reverse_lunge.front_knee_max_deg") == 125.0
    assert load_app_config().get("app.ice_servers") == ICE_SERVERS
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_saving_bad_settings_keeps_the_old_file(tmp_path, monkeypatch):
    from formcoach.app.common import save_user_settings

    monkeypatch.setenv("FORMCOACH_HOME", str(tmp_path))
    path = save_user_settings({"app": {"max_upload_mb": 50.0}})
    before = path.read_text()
    with pytest.raises(InputError, match=r"app\.max_upload_mbb"):
        save_user_settings({"app": {"max_upload_mbb": 5.0}})
    with pytest.raises(InputError, match=r"app\.ice_servers"):
        save_user_settings({"app": {"ice_servers": "stun:x"}})
    assert path.read_text() == before
