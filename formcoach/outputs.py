"""Safe output writing: atomic files and an output folder that is never clobbered.

Nothing the user made is lost: outputs go to a temporary file in the target
folder and are renamed into place only when complete, and existing outputs are
replaced only when the user asked for it (``--overwrite``).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
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


def create_temp_file(path: str | Path) -> Path:
    """Create an empty hidden temporary file beside ``path`` and return it.

    Named ``.<name>.partial-<random>``. Not :func:`tempfile.mkstemp`: its
    0600 mode would end up on the final file; ``os.open`` with 0o666 honours
    the user's umask, so every output (report, exports, video) gets the mode
    any other new file would.

    Raises:
        OSError: The folder cannot be written.
    """
    path = Path(path)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.partial-{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary file comes from :func:`create_temp_file` (umask-respecting
    mode), like the annotated video's.

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
        tmp = create_temp_file(path)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, path)) from exc
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


class CsvStream:
    """A CSV file written row by row, in place only when complete.

    Rows go to a hidden temporary file beside ``path`` (see
    :func:`create_temp_file`); :meth:`commit` renames it onto ``path``,
    :meth:`discard` removes it. A long analysis streams its per-frame rows
    here instead of holding them in memory.
    """

    def __init__(self, path: str | Path, header: Sequence[str], *, overwrite: bool):
        """Create the temporary file and write the header.

        Raises:
            OutputError: ``path`` exists (without ``overwrite``) or cannot be
                written.
        """
        self.path = Path(path)
        if self.path.exists() and not overwrite:
            raise OutputError(
                f"{self.path} already exists; use --overwrite to replace it."
            )
        try:
            self._tmp = create_temp_file(self.path)
            self._file = self._tmp.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise OutputError(describe_os_error(exc, self.path)) from exc
        self._writer = csv.writer(self._file)
        self._header = list(header)
        self.write(header)

    def write(self, row: Sequence[Any]) -> None:
        """Append one row (None is written as an empty cell)."""
        try:
            self._writer.writerow(row)
        except OSError as exc:
            self.discard()
            raise OutputError(describe_os_error(exc, self.path)) from exc

    def restart(self) -> None:
        """Drop the rows written so far (an analysis starting again)."""
        try:
            self._file.seek(0)
            self._file.truncate()
        except OSError as exc:
            self.discard()
            raise OutputError(describe_os_error(exc, self.path)) from exc
        self.write(self._header)

    def commit(self) -> None:
        """Flush the file to disk and rename it onto ``path``."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(describe_os_error(exc, self.path)) from exc

    def discard(self) -> None:
        """Remove the temporary file (safe to call after commit, or twice)."""
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
