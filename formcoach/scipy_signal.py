"""SciPy's signal tools, imported when first used, or ahead in the background.

``import scipy.signal`` takes 1-1.5 s on the development machine (it imports
most of SciPy), more than the pose model's load. A one-shot ``formcoach
analyze`` needs it only once poses come in, so :func:`load_in_background`
starts the import when the pose lanes start, and it overlaps the model's
load and first frames instead of delaying them.
"""

from __future__ import annotations

import threading
from typing import Any


def butter(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.signal.butter`."""
    from scipy.signal import butter as scipy_butter

    return scipy_butter(*args, **kwargs)


def sosfiltfilt(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.signal.sosfiltfilt`."""
    from scipy.signal import sosfiltfilt as scipy_sosfiltfilt

    return scipy_sosfiltfilt(*args, **kwargs)


def find_peaks(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.signal.find_peaks`."""
    from scipy.signal import find_peaks as scipy_find_peaks

    return scipy_find_peaks(*args, **kwargs)


def maximum_filter1d(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.ndimage.maximum_filter1d`."""
    from scipy.ndimage import maximum_filter1d as scipy_maximum_filter1d

    return scipy_maximum_filter1d(*args, **kwargs)


def _load() -> None:
    import scipy.ndimage
    import scipy.signal  # noqa: F401


def load_in_background() -> None:
    """Start importing SciPy's signal tools in a background thread."""
    threading.Thread(target=_load, name="formcoach-import", daemon=True).start()
