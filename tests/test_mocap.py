"""Landmark input: BVH forward kinematics, TRC, name mapping, virtual camera."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcoach.errors import InputError
from formcoach.landmarks import Landmark as L
from formcoach.mocap.bvh import read_bvh
from formcoach.mocap.skeletons import normalise_name, to_blazepose, up_axis
from formcoach.mocap.trc import read_trc, write_trc
from formcoach.mocap.virtual_camera import CameraSettings, place_camera, pose_frames

from .conftest import SHARED

MOCAP = SHARED / "mocap"
MOCAP_LABELS = SHARED / "labels" / "mocap"

# One chain: root at 1 m height, one child 10 cm along x, End Site 10 cm further.
TINY_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Knee
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 10 0 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.04
0 100 0 0 0 0 0 0 0
5 100 0 90 0 0 0 0 0
"""


def _shared_mocap(name: str) -> tuple[Path, dict]:
    clip = MOCAP / f"{name}.bvh"
    label = MOCAP_LABELS / f"{name}.json"
    if not clip.is_file() or not label.is_file():
        pytest.skip(f"motion capture not available: {clip} (../shared is absent)")
    return clip, json.loads(label.read_text())


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "formcoach.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


# -- BVH --------------------------------------------------------------------


def test_bvh_forward_kinematics_on_a_known_chain(tmp_path):
    path = tmp_path / "tiny.bvh"
    path.write_text(TINY_BVH)
    motion = read_bvh(path)
    assert motion.names == ("Hips", "Knee", "Knee_End")
    assert motion.fps == pytest.approx(25.0)
    # Frame 0: straight along x. Frame 1: root turned 90 deg about z (x -> y),
    # root moved 5 along x. (BVH has no unit: compare in file units.)
    xyz = motion.xyz_m * (100.0 / motion.xyz_m[0, 0, 1])
    np.testing.assert_allclose(xyz[0, 2], [20, 100, 0], atol=1e-9)
    np.testing.assert_allclose(xyz[1, 1], [5, 110, 0], atol=1e-9)
    np.testing.assert_allclose(xyz[1, 2], [5, 120, 0], atol=1e-9)


@pytest.mark.parametrize(
    "order, expected",
    [
        # Rz(90) @ Rx(90): the child offset (10, 0, 0) turns to (0, 10, 0).
        ("Zrotation Xrotation Yrotation", [0.0, 10.0, 0.0]),
        # Rx(90) @ Rz(90): x -> y by Rz, then y -> z by Rx.
        ("Xrotation Zrotation Yrotation", [0.0, 0.0, 10.0]),
    ],
)
def test_bvh_channel_order_is_honoured(tmp_path, order, expected):
    text = (
        TINY_BVH.replace(
            "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation",
            f"CHANNELS 6 Xposition Yposition Zposition {order}",
        )
        .replace("Frames: 2", "Frames: 1")
        .split("MOTION")[0]
    )
    values = {"Zrotation": 90, "Xrotation": 90, "Yrotation": 0}
    row = [0, 0, 0, *(values[c] for c in order.split()), 0, 0, 0]
    text += "MOTION\nFrames: 1\nFrame Time: 0.04\n" + " ".join(map(str, row)) + "\n"
    path = tmp_path / "order.bvh"
    path.write_text(text)
    motion = read_bvh(path)
    knee = motion.xyz_m[0, 1] / (motion.xyz_m[0, 1] @ motion.xyz_m[0, 1]) ** 0.5
    np.testing.assert_allclose(knee * 10, expected, atol=1e-9)


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda t: t.rsplit("\n", 2)[0] + "\n", "truncated"),  # last frame cut off
        (lambda t: t.replace("5 100 0 90", "5 100 zero 90"), "not a number"),
        (lambda t: t.split("MOTION")[0], "no MOTION"),
        (
            lambda t: t.replace("CHANNELS 3 Zrotation", "CHANNELS 3 Qrotation"),
            "channel",
        ),
        (lambda t: t.replace("HIERARCHY", "HIERARCH"), "HIERARCHY"),
    ],
)
def test_bad_bvh_is_refused_with_one_line(tmp_path, mangle, message):
    path = tmp_path / "bad.bvh"
    path.write_text(mangle(TINY_BVH))
    with pytest.raises(InputError, match=message) as err:
        read_bvh(path)
    assert "\n" not in str(err.value)


# -- TRC --------------------------------------------------------------------


def _halpe_motion_xyz(t: int = 40) -> tuple[list[str], np.ndarray]:
    """A standing HALPE-named figure in mm, Z up, drifting along x."""
    names = [
        "Nose", "LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist",
        "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
        "LBigToe", "RBigToe", "LHeel", "RHeel",
    ]  # fmt: skip
    # (x forward, y left, z up) in metres.
    pose = {
        "Nose": (0.1, 0, 1.6), "LShoulder": (0, 0.2, 1.4), "RShoulder": (0, -0.2, 1.4),
        "LElbow": (0, 0.25, 1.1), "RElbow": (0, -0.25, 1.1),
        "LWrist": (0, 0.25, 0.85), "RWrist": (0, -0.25, 0.85),
        "LHip": (0, 0.1, 0.9), "RHip": (0, -0.1, 0.9),
        "LKnee": (0, 0.1, 0.5), "RKnee": (0, -0.1, 0.5),
        "LAnkle": (0, 0.1, 0.08), "RAnkle": (0, -0.1, 0.08),
        "LBigToe": (0.18, 0.1, 0.0), "RBigToe": (0.18, -0.1, 0.0),
        "LHeel": (-0.06, 0.1, 0.0), "RHeel": (-0.06, -0.1, 0.0),
    }  # fmt: skip
    base = np.array([pose[n] for n in names])
    xyz = np.repeat(base[None], t, axis=0)
    xyz[:, :, 0] += np.linspace(0, 0.5, t)[:, None]
    return names, xyz * 1000.0


def _write_trc_mm(path: Path, names, xyz_mm, fps=30.0) -> None:
    write_trc(path, names, xyz_mm, np.arange(len(xyz_mm)) / fps, fps)
    text = path.read_text().replace("\tm\t", "\tmm\t", 1)
    path.write_text(text)


def test_trc_round_trip_units_and_missing_values(tmp_path):
    names, xyz = _halpe_motion_xyz()
    xyz[3, 2] = np.nan  # one missing marker in one frame
    path = tmp_path / "halpe.trc"
    _write_trc_mm(path, names, xyz)
    motion = read_trc(path)
    assert motion.names == tuple(names)
    assert motion.fps == pytest.approx(30.0)
    assert np.isnan(motion.xyz_m[3, 2]).all()
    np.testing.assert_allclose(motion.xyz_m[0, 1], xyz[0, 1] / 1000.0, atol=1e-5)


def test_z_up_trc_is_turned_y_up_and_heels_kept(tmp_path):
    names, xyz = _halpe_motion_xyz()
    path = tmp_path / "zup.trc"
    _write_trc_mm(path, names, xyz)
    mapped = to_blazepose(read_trc(path))
    assert mapped.derived_points == ()  # HALPE has heels
    head_minus_ankle = mapped.xyz_m[0, L.NOSE] - mapped.xyz_m[0, L.LEFT_ANKLE]
    assert up_axis(mapped.xyz_m[:, L.NOSE], mapped.xyz_m[:, L.LEFT_ANKLE]) == (1, 1.0)
    assert head_minus_ankle[1] == pytest.approx(1.52, abs=1e-4)
    assert np.nanmin(mapped.xyz_m[..., 1]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "scheme",
    [
        # (hip, knee, ankle, toe, shoulder) per side, {S}/{s}/{Side} filled in
        ("{S}Hip", "{S}Knee", "{S}Ankle", "{S}BigToe", "{S}Shoulder"),  # HALPE/COCO
        ("{Side}UpLeg", "{Side}Leg", "{Side}Foot", "{Side}ToeBase", "{Side}Arm"),
        # CMU BVH: the toe tip is LeftToeBase's End Site (named <joint>_End here)
        ("{Side}UpLeg", "{Side}Leg", "{Side}Foot", "{Side}ToeBase_End", "{Side}Arm"),
        (
            "mixamorig:{Side}UpLeg",
            "mixamorig:{Side}Leg",
            "mixamorig:{Side}Foot",
            "mixamorig:{Side}Toe_End",
            "mixamorig:{Side}Arm",
        ),
        ("UpperLeg_{S}", "LowerLeg_{S}", "Foot_{S}", "Toes_{S}", "UpperArm_{S}"),
        (
            "{S}HJC_study",
            "{s}_knee_study",
            "{s}_ankle_study",
            "{s}_toe_study",
            "{s}_shoulder_study",
        ),  # fmt: skip  OpenCap
        (
            "{side}_hip",
            "{side}_knee",
            "{side}_ankle",
            "{side}_big_toe",
            "{side}_shoulder",
        ),  # fmt: skip  COCO_133 style
    ],
)
def test_naming_schemes_map_to_blazepose(scheme):
    from formcoach.mocap.motion import Motion

    fills = [
        {"S": "L", "s": "L", "Side": "Left", "side": "left"},
        {"S": "R", "s": "r", "Side": "Right", "side": "right"},
    ]
    names = [part.format(**f) for f in fills for part in scheme] + ["Head"]
    # left then right: hip, knee, ankle, toe, shoulder (x forward, y up, z left)
    one = [(0, 0.9, 0.1), (0, 0.5, 0.1), (0, 0.08, 0.1), (0.18, 0.02, 0.1),
           (0, 1.4, 0.2)]  # fmt: skip
    pts = one + [(x, y, -z) for x, y, z in one] + [(0, 1.6, 0)]
    xyz = np.repeat(np.array(pts, float)[None], 10, axis=0)
    xyz[:, :, 0] += np.linspace(0, 0.3, 10)[:, None]
    mapped = to_blazepose(Motion(tuple(names), xyz, 30.0, "trc"))
    assert set(mapped.derived_points) == {"LEFT_HEEL", "RIGHT_HEEL"}
    assert "input.heel_derived" in [n.code for n in mapped.notes]
    np.testing.assert_allclose(mapped.xyz_m[0, L.LEFT_KNEE], [0, 0.48, 0.1])
    np.testing.assert_allclose(mapped.xyz_m[0, L.RIGHT_KNEE], [0, 0.48, -0.1])
    heel = mapped.xyz_m[0, L.LEFT_HEEL]
    # Behind the ankle (x < 0) at the sole's level (the toe's height).
    assert heel[0] < -0.03 and heel[1] == pytest.approx(0.0, abs=1e-6)


def test_normalise_name():
    assert normalise_name("mixamorig:LeftUpLeg") == "leftupleg"
    assert normalise_name("r.ASIS_study") == "rasisstudy"


def test_missing_marker_exits_2_with_one_line_naming_the_candidates(tmp_path):
    names, xyz = _halpe_motion_xyz()
    keep = [i for i, n in enumerate(names) if n != "LKnee"]
    path = tmp_path / "no_knee.trc"
    _write_trc_mm(path, [names[i] for i in keep], xyz[:, keep])
    result = _cli(
        "analyze", str(path), "-e", "backward-walk", "--out", str(tmp_path / "o"),
        "--no-history", "--no-video", "-q",
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "left knee" in lines[0] and "LKnee" in lines[0] and "LeftLeg" in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("empty.trc", "", "empty"),
        ("header.trc", "PathFileType\t4\n", "header"),
        ("noframes.trc", None, "no frames"),
        ("empty.bvh", "   \n", "empty"),
        ("cut.bvh", TINY_BVH[: TINY_BVH.index("MOTION")], "MOTION"),
    ],
)
def test_bad_landmark_files_exit_2(tmp_path, name, text, message):
    path = tmp_path / name
    if text is None:
        names, xyz = _halpe_motion_xyz(3)
        _write_trc_mm(path, names, xyz)
        text = "\n".join(path.read_text().splitlines()[:6]) + "\n"
    path.write_text(text)
    result = _cli(
        "analyze", str(path), "-e", "backward-walk", "--out", str(tmp_path / "o"),
        "--no-history", "-q",
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_unknown_extension_is_still_a_video_error(tmp_path):
    path = tmp_path / "motion.c3d"
    path.write_bytes(b"not a video at all")
    result = _cli(
        "analyze", str(path), "-e", "backward-walk", "--out", str(tmp_path / "o"),
        "--no-history", "-q",
    )  # fmt: skip
    assert result.returncode == 2
    assert "not a readable video" in result.stderr


# -- virtual camera -----------------------------------------------------------


@pytest.mark.parametrize("view", ["side", "front", "back", "oblique"])
def test_virtual_camera_sees_everything_and_world_is_hip_centred(tmp_path, view):
    names, xyz = _halpe_motion_xyz()
    path = tmp_path / "walk.trc"
    _write_trc_mm(path, names, xyz)
    motion = to_blazepose(read_trc(path))
    camera = place_camera(motion.xyz_m, CameraSettings(view=view))
    frames = pose_frames(motion, camera)
    assert len(frames) == motion.frame_count
    f = frames[0]
    assert f.resolution_wh == (1280, 720)
    assert (f.visibility == 1).all()  # every point in front and in the picture
    hips = (f.world_xyz[L.LEFT_HIP] + f.world_xyz[L.RIGHT_HIP]) / 2
    np.testing.assert_allclose(hips, 0, atol=1e-6)
    assert f.world_xyz[L.NOSE, 1] < 0  # y points down: the head is above
    toe_x = f.xy[L.LEFT_FOOT_INDEX, 0] - f.xy[L.LEFT_HEEL, 0]
    left_x = f.xy[L.LEFT_SHOULDER, 0] - f.xy[L.RIGHT_SHOULDER, 0]
    if view == "side":
        assert toe_x > 0  # faces image-right
    if view == "front":
        assert left_x > 0  # the person's left on the image right
    if view == "back":
        assert left_x < 0


@pytest.mark.parametrize("facing", [+1, -1])
def test_planar_trc_from_a_2d_tool_is_seen_from_its_side(tmp_path, facing):
    # Sports2D writes 2D points with Y up and Z = 0: no depth, no left-right.
    names, xyz = _halpe_motion_xyz()
    xyz = xyz[..., [0, 2, 1]]  # (forward, up, left) in mm
    xyz[..., 0] *= facing
    xyz[..., 2] = 0.0
    path = tmp_path / "sports2d.trc"
    _write_trc_mm(path, names, xyz)
    motion = to_blazepose(read_trc(path))
    frames = pose_frames(motion, place_camera(motion.xyz_m, CameraSettings()))
    f = frames[0]
    assert (f.visibility == 1).all()
    assert f.xy[L.LEFT_FOOT_INDEX, 0] > f.xy[L.LEFT_HEEL, 0]  # faces image-right


def test_virtual_camera_is_deterministic_and_settable(tmp_path):
    names, xyz = _halpe_motion_xyz()
    path = tmp_path / "walk.trc"
    _write_trc_mm(path, names, xyz)
    motion = to_blazepose(read_trc(path))
    a = place_camera(motion.xyz_m, CameraSettings())
    b = place_camera(motion.xyz_m, CameraSettings())
    np.testing.assert_array_equal(a.position_m, b.position_m)
    far = place_camera(motion.xyz_m, CameraSettings(distance_m=20.0, height_m=1.5))
    assert far.position_m[1] == pytest.approx(1.5)
    with pytest.raises(InputError, match="camera view"):
        place_camera(motion.xyz_m, CameraSettings(view="top"))


# -- the shared motion capture, every camera ---------------------------------

CLIPS = {
    "dataset-1_walk-back_active_001": ("backward", "ball"),
    "dataset-1_walk_normal_001": ("forward", "heel"),
}


@pytest.mark.shared
@pytest.mark.parametrize("camera", ["side", "front", "back", "oblique"])
@pytest.mark.parametrize("clip", list(CLIPS))
def test_shared_mocap_every_camera(tmp_path, clip, camera):
    from formcoach.pipeline import analyze_video
    from formcoach.settings import load_config

    path, label = _shared_mocap(clip)
    direction, landing = CLIPS[clip]
    config = load_config(overrides=[f"virtual_camera.view={camera}"])
    report = analyze_video(path, "backward-walk", tmp_path, config, write_video=False)
    summary = report["summary"]
    assert abs(summary["step_count"] - label["touchdowns"]) <= 1
    assert summary["direction_of_travel"] == label["direction"] == direction
    judged = [s for s in report["steps"] if s["landing"] != "unknown"]
    share = sum(s["landing"] == landing for s in judged) / len(report["steps"])
    assert share >= 0.9, summary["landings"]
    codes = [w["code"] for w in report["warnings"]]
    assert "input.heel_derived" in codes and "input.virtual_camera" in codes
    assert "view.not_measurable" not in codes
    assert "gait.clear_space" not in codes  # the path is framed off the edge zone


@pytest.mark.shared
def test_shared_mocap_cli_writes_a_stick_figure_video(tmp_path):
    path, _ = _shared_mocap("dataset-1_walk-back_normal_001")
    out = tmp_path / "out"
    args = [
        "analyze", str(path), "-e", "backward-walk", "--out", str(out),
        "--camera", "oblique", "--no-history", "-q", "--save-landmarks",
    ]  # fmt: skip
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    from formcoach.video import VideoInfo

    info = VideoInfo.from_path(out / "annotated.mp4")
    assert (info.codec, info.width, info.height) == ("h264", 1280, 720)
    assert info.frame_count == 31
    report = json.loads((out / "report.json").read_text())
    assert report["landmark_input"]["camera"]["view"] == "oblique"
    # The landmarks file reads back with the same points.
    back = read_trc(out / "landmarks.trc")
    assert back.frame_count == 31 and back.names[0] == "NOSE"
    # Never overwritten without --overwrite.
    again = _cli(*args)
    assert again.returncode == 2 and "already has" in again.stderr


@pytest.mark.shared
@pytest.mark.slow
def test_round_trip_video_to_trc_finds_the_same_reps(tmp_path):
    from .conftest import shared_clip

    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    video_out, trc_out = tmp_path / "video", tmp_path / "trc"
    first = _cli(
        "analyze", str(clip), "-e", "reverse-lunge", "--out", str(video_out),
        "--no-history", "--no-video", "-q", "--save-landmarks",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    trc = video_out / "landmarks.trc"
    motion = read_trc(trc)
    assert motion.names[L.LEFT_HEEL] == "LEFT_HEEL"
    second = _cli(
        "analyze", str(trc), "-e", "reverse-lunge", "--out", str(trc_out),
        "--camera", "side", "--no-history", "--no-video", "-q",
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    a = json.loads((video_out / "report.json").read_text())
    b = json.loads((trc_out / "report.json").read_text())
    assert b["video"]["fps"] == pytest.approx(a["video"]["fps"], abs=0.01)
    # The same reps, started within half a second of each other. (The last rep
    # ends 0.07 s before the clip does: the video's coach calls it partial, the
    # TRC's complete; docs/accuracy.md.)
    assert len(a["reps"]) == len(b["reps"]) == 3
    for ra, rb in zip(a["reps"], b["reps"], strict=True):
        assert abs(ra["start_s"] - rb["start_s"]) < 0.5
    codes = [w["code"] for w in b["warnings"]]
    assert "input.hip_centred" in codes
