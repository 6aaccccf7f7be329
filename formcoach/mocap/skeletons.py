"""Joint and marker names of common skeletons, mapped onto BlazePose points.

Each BlazePose point the coaches use has an ordered list of candidate source
names; the first one present in a file is used. A candidate can be a tuple of
names, meaning the midpoint of those points (OpenCap's lateral and medial
knee markers give the knee centre). Names are compared after
:func:`normalise_name`: lower case, without a namespace (``mixamorig:``) and
without separators, so ``LeftUpLeg``, ``left_up_leg`` and
``mixamorig:LeftUpLeg`` are one name.

Schemes covered:

* BVH style (CMU, Mixamo, most retargeted clips): ``LeftUpLeg``, ``LeftLeg``,
  ``LeftFoot``, ``LeftToeBase``, ``LeftToe_End``, ``LeftArm``,
  ``LeftForeArm``, ``LeftHand``, ``Head`` (``LeftShoulder`` there is the
  collar bone, so ``LeftArm`` wins for the shoulder);
* Bandai-Namco: ``UpperLeg_L``, ``LowerLeg_L``, ``Foot_L`` (ankle),
  ``Toes_L`` (ball of the foot), ``UpperArm_L``, ``LowerArm_L``, ``Hand_L``;
* Sports2D / Pose2Sim HALPE_26, COCO_17 and COCO_133 (body and feet):
  ``LHip``, ``LKnee``, ``LAnkle``, ``LBigToe``, ``LSmallToe``, ``LHeel``,
  ``LShoulder``, ``LElbow``, ``LWrist``, ``Nose``, ``Head``, ``LEar``, ``LEye``
  (COCO_133 ``left_hip`` style names too);
* OpenCap markers: ``RHJC_study``, ``r_knee_study`` + ``r_mknee_study``,
  ``r_ankle_study`` + ``r_mankle_study``, ``r_calc_study``, ``r_toe_study``,
  ``r_5meta_study``, ``r_shoulder_study``, ``r_lelbow_study``,
  ``r_lwrist_study``, ``r.ASIS_study`` + ``r.PSIS_study`` (pelvis, only when
  there is no hip joint centre);
* FormCoach's own TRC (BlazePose names such as ``LEFT_HIP``).
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..landmarks import NUM_LANDMARKS, Landmark
from ..results import InputWarning
from .motion import Motion

logger = logging.getLogger(__name__)

Candidate = str | tuple[str, ...]


def normalise_name(name: str) -> str:
    """``name`` lower case, without a ``prefix:`` namespace or separators."""
    return re.sub(r"[^a-z0-9]", "", name.rsplit(":", 1)[-1].lower())


def _sided(templates: Sequence[Candidate], side: str) -> list[Candidate]:
    """Fill ``{L}``-style templates for one side (``"left"`` or ``"right"``)."""
    subs = (
        {"Side": "Left", "S": "L", "s": "l", "side": "left"}
        if side == "left"
        else {"Side": "Right", "S": "R", "s": "r", "side": "right"}
    )

    def fill(text: str) -> str:
        return text.format(**subs)

    return [
        tuple(fill(t) for t in c) if isinstance(c, tuple) else fill(c)
        for c in templates
    ]


_HIP = [
    "{Side}UpLeg", "{Side}Thigh", "UpperLeg_{S}", "Thigh_{S}", "{S}Hip",
    "{side}_hip", "{S}HJC_study", "{S}HJC", "{side}_hip_joint",
    ("{s}.ASIS_study", "{s}.PSIS_study"), ("{S}ASIS", "{S}PSIS"),
]  # fmt: skip
_KNEE = [
    "{Side}Leg", "{Side}Shin", "{Side}Knee", "LowerLeg_{S}", "Shin_{S}", "{S}Knee",
    "{side}_knee", ("{s}_knee_study", "{s}_mknee_study"), "{s}_knee_study",
    ("{S}KNE", "{S}KNM"), "{S}KNE",
]  # fmt: skip
_ANKLE = [
    "{Side}Foot", "{Side}Ankle", "Foot_{S}", "Ankle_{S}", "{S}Ankle",
    "{side}_ankle", ("{s}_ankle_study", "{s}_mankle_study"), "{s}_ankle_study",
    ("{S}ANK", "{S}ANM"), "{S}ANK",
]  # fmt: skip
_HEEL = ["{S}Heel", "{side}_heel", "{s}_calc_study", "{S}HEE", "Heel_{S}", "{Side}Heel"]
_TOE_TIP = [
    "{Side}Toe_End", "{Side}ToeBase_End", "{Side}Toe_End_End", "Toes_{S}_End",
    "{S}BigToe", "{side}_big_toe", "{s}_toe_study", "{S}TOE", "{Side}ToeTip",
    "{Side}Toe", "{Side}ToeBase", "Toes_{S}", "Toe_{S}", "{Side}Toes",
    "{s}_5meta_study", "{S}SmallToe", "{side}_small_toe", "{S}MT5",
]  # fmt: skip
_SHOULDER = [
    "{Side}Arm", "{Side}UpArm", "{Side}UpperArm", "UpperArm_{S}", "{S}Shoulder",
    "{side}_shoulder", "{s}_shoulder_study", "{S}SHO", "{Side}Shoulder",
]  # fmt: skip
_ELBOW = [
    "{Side}ForeArm", "{Side}LowArm", "{Side}Elbow", "LowerArm_{S}", "ForeArm_{S}",
    "{S}Elbow", "{side}_elbow", ("{s}_lelbow_study", "{s}_melbow_study"),
    "{s}_lelbow_study", "{S}ELB",
]  # fmt: skip
_WRIST = [
    "{Side}Hand", "{Side}Wrist", "Hand_{S}", "{S}Wrist", "{side}_wrist",
    ("{s}_lwrist_study", "{s}_mwrist_study"), "{s}_lwrist_study",
    ("{S}WRA", "{S}WRB"), "{S}WRA",
]  # fmt: skip
_EAR = ["{S}Ear", "{side}_ear"]
_EYE = ["{S}Eye", "{side}_eye"]
_HEAD = ["Head", "head", "HeadTop", "Head_End", "Neck1", "Nose", "nose", "C7_study"]
_NOSE = ["Nose", "nose", *_HEAD]

# BlazePose points the coaches read, by source-name candidates.
CANDIDATES: dict[Landmark, list[Candidate]] = {Landmark.NOSE: _NOSE}
for _side in ("left", "right"):
    _up = _side.upper()
    for _suffix, _templates in (
        ("HIP", _HIP), ("KNEE", _KNEE), ("ANKLE", _ANKLE), ("HEEL", _HEEL),
        ("FOOT_INDEX", _TOE_TIP), ("SHOULDER", _SHOULDER), ("ELBOW", _ELBOW),
        ("WRIST", _WRIST), ("EAR", [*_EAR, *_HEAD]), ("EYE", [*_EYE, *_HEAD]),
    ):  # fmt: skip
        _mark = Landmark[f"{_up}_{_suffix}"]
        # FormCoach's own TRC names come first: they are exact.
        CANDIDATES[_mark] = [_mark.name, *_sided(_templates, _side)]
CANDIDATES[Landmark.NOSE] = ["NOSE", *_NOSE]

#: Points without which no coach can run (heels are derived when missing).
REQUIRED: tuple[Landmark, ...] = (
    Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_HIP, Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE,
    Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX,
)  # fmt: skip

#: BlazePose points copied from another when the source has nothing closer.
_STAND_INS: dict[Landmark, Landmark] = {
    Landmark.LEFT_EYE_INNER: Landmark.LEFT_EYE,
    Landmark.LEFT_EYE_OUTER: Landmark.LEFT_EYE,
    Landmark.RIGHT_EYE_INNER: Landmark.RIGHT_EYE,
    Landmark.RIGHT_EYE_OUTER: Landmark.RIGHT_EYE,
    Landmark.MOUTH_LEFT: Landmark.NOSE,
    Landmark.MOUTH_RIGHT: Landmark.NOSE,
    Landmark.LEFT_PINKY: Landmark.LEFT_WRIST,
    Landmark.LEFT_INDEX: Landmark.LEFT_WRIST,
    Landmark.LEFT_THUMB: Landmark.LEFT_WRIST,
    Landmark.RIGHT_PINKY: Landmark.RIGHT_WRIST,
    Landmark.RIGHT_INDEX: Landmark.RIGHT_WRIST,
    Landmark.RIGHT_THUMB: Landmark.RIGHT_WRIST,
}

#: Anthropometry used to derive a heel: Winter, Biomechanics and Motor Control
#: of Human Movement (2009), segment lengths as fractions of body height H:
#: hip-to-ankle 0.491 H, foot length 0.152 H with about a quarter of it
#: behind the ankle (0.038 H), i.e. 0.08 leg lengths.
HEEL_BACK_LEG_FRACTION = 0.08


def _display(candidate: Candidate) -> str:
    return "+".join(candidate) if isinstance(candidate, tuple) else candidate


def _resolve(
    lookup: dict[str, int], xyz: npt.NDArray[np.float64], candidates: list[Candidate]
) -> tuple[npt.NDArray[np.float64] | None, str | None]:
    """The first candidate present: its ``(T, 3)`` track and its display name."""
    for cand in candidates:
        names = cand if isinstance(cand, tuple) else (cand,)
        keys = [normalise_name(n) for n in names]
        if all(k in lookup for k in keys):
            track = np.mean([xyz[:, lookup[k]] for k in keys], axis=0)
            return track, _display(cand)
    return None, None


def up_axis(
    head: npt.NDArray[np.float64], ankles: npt.NDArray[np.float64]
) -> tuple[int, float]:
    """The up axis: the one along which head minus ankles is largest on average.

    Args:
        head: ``(T, 3)`` head (or shoulders) positions.
        ankles: ``(T, 3)`` mid-ankle positions.

    Returns:
        ``(axis, sign)``: 0/1/2 for x/y/z and +1 or -1.
    """
    mean = np.nanmean(head - ankles, axis=0)
    axis = int(np.nanargmax(np.abs(mean)))
    return axis, float(np.sign(mean[axis]) or 1.0)


def to_y_up(xyz: npt.NDArray[np.float64], axis: int, sign: float) -> np.ndarray:
    """Rotate positions so that ``sign`` times ``axis`` becomes +y (right-handed)."""
    up = np.zeros(3)
    up[axis] = sign
    # A proper rotation taking `up` to +y: cycle the axes, then flip if needed.
    rows = {
        0: np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], float),  # x up -> (y, z, x)
        1: np.eye(3),
        2: np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], float),  # z up -> (z, x, y)
    }[axis]
    rot = rows if sign > 0 else np.diag([1.0, -1.0, -1.0]) @ rows
    assert np.allclose(rot @ up, [0, 1, 0])
    return np.einsum("ij,tnj->tni", rot, xyz)


def derive_heel(
    ankle: npt.NDArray[np.float64],
    knee: npt.NDArray[np.float64],
    toe: npt.NDArray[np.float64],
    leg_m: float,
    sole_y: float,
) -> npt.NDArray[np.float64]:
    """A heel point moving rigidly with the foot, from ankle, knee and toe.

    In the frames where the foot is flat on the floor (the ankle within 1 cm
    of its lowest height) the heel is put below the ankle at the sole's level
    and :data:`HEEL_BACK_LEG_FRACTION` leg lengths behind it, along the
    foot; that offset, expressed in the foot's own frame (ankle→toe, and the
    shank-foot plane), is then carried through every frame, so the heel rises
    when the foot pitches toe-down and drops when it pitches toe-up.

    Args:
        ankle: ``(T, 3)`` ankle positions, y up, metres.
        knee: ``(T, 3)`` knee positions.
        toe: ``(T, 3)`` toe (or ball of the foot) positions.
        leg_m: Leg length (hip to ankle) in metres.
        sole_y: Height of the sole on the floor (the lowest toe height).

    Returns:
        ``(T, 3)`` heel positions.
    """

    def unit(v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return v / np.linalg.norm(v, axis=-1, keepdims=True)

    e1 = unit(toe - ankle)
    e3 = unit(np.cross(e1, knee - ankle))
    e2 = np.cross(e3, e1)
    frames = np.stack([e1, e2, e3], axis=1)  # (T, 3, 3): rows are the axes
    height = ankle[:, 1]
    flat = height <= np.nanpercentile(height, 10) + 0.01
    flat &= np.isfinite(frames).all(axis=(1, 2))
    if not flat.any():
        flat = np.isfinite(frames).all(axis=(1, 2))
    forward = toe[flat] - ankle[flat]
    forward[:, 1] = 0.0
    forward = unit(forward)
    heel_world = ankle[flat] - HEEL_BACK_LEG_FRACTION * leg_m * forward
    heel_world[:, 1] = sole_y
    local = np.einsum("tij,tj->ti", frames[flat], heel_world - ankle[flat])
    offset = np.nanmedian(local, axis=0)
    return ankle + np.einsum("tji,j->ti", frames, offset)


def to_blazepose(motion: Motion) -> Motion:
    """Map a motion's points onto the 33 BlazePose points, y up, in metres.

    Args:
        motion: Named points from :func:`~formcoach.mocap.bvh.read_bvh` or
            :func:`~formcoach.mocap.trc.read_trc`.

    Returns:
        A :class:`Motion` whose names are the :class:`Landmark` names in
        index order, y up, the floor at y = 0. Points the source lacks and
        that cannot be derived are NaN. ``derived_points`` and ``notes`` say
        which heels were derived and which points stood in for others.

    Raises:
        InputError: A needed point (shoulders, hips, knees, ankles, toes) is
            missing; the message lists the names looked for.
    """
    lookup: dict[str, int] = {}
    for k, name in enumerate(motion.names):
        lookup.setdefault(normalise_name(name), k)
    t = motion.frame_count
    out = np.full((t, NUM_LANDMARKS, 3), np.nan)
    used: dict[Landmark, str] = {}
    missing = []
    for mark, candidates in CANDIDATES.items():
        track, name = _resolve(lookup, motion.xyz_m, candidates)
        if track is None:
            if mark in REQUIRED:
                missing.append((mark, candidates))
            continue
        out[:, mark] = track
        used[mark] = str(name)
    if missing:
        mark, candidates = missing[0]
        others = ", ".join(m.name.lower() for m, _ in missing[1:])
        raise InputError(
            f"No {mark.name.lower().replace('_', ' ')} point in the "
            f"{motion.source_format.upper()} file (looked for "
            f"{', '.join(_display(c) for c in candidates)})"
            + (f"; also missing: {others}" if others else "")
        )
    ankles = (out[:, Landmark.LEFT_ANKLE] + out[:, Landmark.RIGHT_ANKLE]) / 2
    top = out[:, Landmark.NOSE]
    if np.isnan(top).all():
        top = (out[:, Landmark.LEFT_SHOULDER] + out[:, Landmark.RIGHT_SHOULDER]) / 2
    axis, sign = up_axis(top, ankles)
    out = to_y_up(out, axis, sign)
    feet = [
        Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_HEEL,
        Landmark.RIGHT_HEEL, Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX,
    ]  # fmt: skip
    derived: list[str] = []
    notes: list[InputWarning] = []
    hips = (out[:, Landmark.LEFT_HIP] + out[:, Landmark.RIGHT_HIP]) / 2
    if np.nanmax(np.linalg.norm(hips - np.nanmean(hips, axis=0), axis=1)) < 1e-3:
        # Hip-centred points (MediaPipe world landmarks, e.g. a FormCoach
        # --save-landmarks TRC): the floor is put under the lowest foot point of
        # each frame, so a body that goes down is seen going down.
        with warnings.catch_warnings():  # frames without a person are all NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            out[..., 1] -= np.nanmin(out[:, feet, 1], axis=1)[:, None]
        notes.append(
            InputWarning(
                "input.hip_centred",
                "The points are centred between the hips in every "
                "frame (as pose models' world landmarks are), so travel is not in "
                "them: the person is seen moving in place, the floor under the "
                "lowest foot of each frame.",
            )
        )
    else:
        out[..., 1] -= np.nanmin(out[:, feet, 1])  # the floor at y = 0
    leg = float(
        np.nanmedian(
            np.linalg.norm(
                out[:, Landmark.LEFT_HIP] - out[:, Landmark.LEFT_KNEE], axis=1
            )
            + np.linalg.norm(
                out[:, Landmark.LEFT_KNEE] - out[:, Landmark.LEFT_ANKLE], axis=1
            )
        )
    )
    for side in ("LEFT", "RIGHT"):
        heel = Landmark[f"{side}_HEEL"]
        if not np.isnan(out[:, heel]).all():
            continue
        toe = out[:, Landmark[f"{side}_FOOT_INDEX"]]
        out[:, heel] = derive_heel(
            out[:, Landmark[f"{side}_ANKLE"]],
            out[:, Landmark[f"{side}_KNEE"]],
            toe,
            leg,
            float(np.nanmin(toe[:, 1])),
        )
        derived.append(heel.name)
    if derived:
        notes.append(
            InputWarning(
                "input.heel_derived",
                f"The {motion.source_format.upper()} file has no heel "
                "points, so each heel was derived from the foot's geometry (below "
                f"the ankle at the sole's level, {HEEL_BACK_LEG_FRACTION:g} leg "
                "lengths behind it along the foot, moving with the foot). Heel "
                "and toe landings are judged from these derived heels.",
            )
        )
    stood_in = []
    for mark, source in _STAND_INS.items():
        if np.isnan(out[:, mark]).all():
            out[:, mark] = out[:, source]
            stood_in.append(mark.name)
    if stood_in:
        logger.info("Points copied from their neighbours: %s", ", ".join(stood_in))
    toe_names = {used[Landmark.LEFT_FOOT_INDEX], used[Landmark.RIGHT_FOOT_INDEX]}
    if toe_names & {"LeftToeBase", "RightToeBase", "Toes_L", "Toes_R", "LeftToe",
                    "RightToe", "Toe_L", "Toe_R", "LeftToes", "RightToes"}:  # fmt: skip
        notes.append(
            InputWarning(
                "input.toe_from_ball",
                "The file has no toe tips, so the ball of the foot ("
                + ", ".join(sorted(toe_names))
                + ") stands for the toes.",
            )
        )
    names = tuple(m.name for m in Landmark)
    if not math.isfinite(leg) or leg <= 0:
        raise InputError(
            f"The {motion.source_format.upper()} file's hip, knee and ankle "
            "points never appear together, so there is no leg to measure."
        )
    return Motion(
        names=names,
        xyz_m=out,
        fps=motion.fps,
        source_format=motion.source_format,
        derived_points=tuple(derived),
        notes=tuple(notes),
    )
