"""Errors a user can act on.

Every error raised for bad input carries one clear sentence meant for the
person using FormCoach; the CLI and the app print it without a traceback.
"""

from __future__ import annotations


class FormCoachError(Exception):
    """Base class for errors with a user-facing message."""


class InputError(FormCoachError):
    """The input (a video, a config file, an argument) cannot be used."""


class OutputError(FormCoachError):
    """An output cannot be written (exists already, read-only, disk full)."""
