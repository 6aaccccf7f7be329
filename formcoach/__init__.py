"""FormCoach: an offline computer-vision coach for reverse (backward) training."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcoach")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
