"""Safe output writing: atomic files and an output folder that is never clobbered.

Nothing the user made is lost: outputs go to a temporary file in the target
folder and are renamed into place only when complete, and existing outputs are
replaced only when the user asked for it (``--overwrite``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import OutputError


def describe_os_error(exc: OSError, path: Path) -> str:
    """One sentence for an OS error while writing ``path``."""
    if exc.errno == errno.ENOSPC:
        return f"Cannot write {path}: the disk is full. Nothing was left half-written."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: permission denied (read-only location?)."
    return f"Cannot write {path}: {exc.strerror or exc}."


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Args:
        path: The final file.
        overwrite: Replace ``path`` if it exists.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is false, or the write
            failed (the temporary file is removed).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} already exists; use --overwrite to replace it.")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".partial", dir=path.parent
        )
        os.close(fd)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, path)) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, path)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(
    path: str | Path, data: bytes, *, overwrite: bool = False
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_json_atomic(path: str | Path, obj: Any, *, overwrite: bool = False) -> None:
    """Write ``obj`` as indented JSON atomically; NaN becomes null."""
    text = json.dumps(_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False)
    write_bytes_atomic(path, (text + "\n").encode(), overwrite=overwrite)


def _jsonable(obj: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), float("-inf"))):
        return None
    return obj


def prepare_output_dir(
    out_dir: str | Path, names: Iterable[str], *, overwrite: bool
) -> Path:
    """Make sure ``out_dir`` can take the outputs ``names`` before any work starts.

    Raises:
        OutputError: An output exists already (without ``overwrite``), or the
            folder cannot be created or written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"Output path {out} exists and is not a folder.")
    existing = [n for n in names if (out / n).exists()]
    if existing and not overwrite:
        raise OutputError(
            f"{out} already has {', '.join(existing)}; use --overwrite to replace, "
            "or choose another --out folder."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, out)) from exc
    if not os.access(out, os.W_OK):
        raise OutputError(f"Cannot write to {out}: permission denied.")
    return out
