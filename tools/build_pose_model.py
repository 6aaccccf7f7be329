"""Build ``models/pose_landmarker_full.task`` from mediapipe 0.10.21's tflite files.

Current ``mediapipe`` releases ship only the Tasks API and no pose model, and the
model hub cannot be reached at run time. ``mediapipe==0.10.21`` still carries
BlazePose (``pose_detection.tflite`` and ``pose_landmark_full.tflite``, Apache-2.0)
inside its wheel. The Tasks ``PoseLandmarker`` wants them as a zip bundle whose
models carry TFLite metadata (input normalisation), so this script adds that
metadata with mediapipe's own ``MetadataWriter`` and zips both files uncompressed.

Run it once, in a throw-away virtual environment (0.10.21 pins numpy<2 and
protobuf<5, which the app itself does not want)::

    python3 -m venv /tmp/mp021
    /tmp/mp021/bin/pip install mediapipe==0.10.21
    /tmp/mp021/bin/python tools/build_pose_model.py \
        --out models/pose_landmarker_full.task

Then update the sha256 in ``models/README.md`` and ``formcoach/pose.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import (
    metadata_writer,
    writer_utils,
)

MODULES = Path(mediapipe.__file__).parent / "modules"
DETECTOR = MODULES / "pose_detection" / "pose_detection.tflite"
LANDMARKER = MODULES / "pose_landmark" / "pose_landmark_full.tflite"


def _with_metadata(
    model_path: Path, name: str, norm_mean: float, norm_std: float
) -> bytes:
    """Return the model bytes with image-input and feature-output metadata."""
    model = bytearray(model_path.read_bytes())
    n_outputs = len(writer_utils.get_output_tensor_types(model))
    writer = metadata_writer.MetadataWriter.create(model)
    writer.add_general_info(name, f"BlazePose {name} from mediapipe 0.10.21")
    writer.add_image_input(norm_mean=[norm_mean], norm_std=[norm_std])
    for i in range(n_outputs):
        writer.add_feature_output(name=f"output_{i}")
    content, _ = writer.populate()
    return bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("models/pose_landmarker_full.task")
    )
    args = parser.parse_args()
    if mediapipe.__version__ != "0.10.21":
        raise SystemExit(f"needs mediapipe==0.10.21, found {mediapipe.__version__}")
    # Detector expects [-1, 1] input; the landmark model expects [0, 1].
    detector = _with_metadata(DETECTOR, "pose_detector", 127.5, 127.5)
    landmarks = _with_metadata(LANDMARKER, "pose_landmarks_detector", 0.0, 255.0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        # Fixed timestamps make the bundle byte-for-byte reproducible.
        for arcname, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarks),
        ):
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            bundle.writestr(info, data)
    tmp.replace(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} sha256={digest}")


if __name__ == "__main__":
    main()
