"""Argument types shared by every ``meldsim`` subcommand."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim import bundled
from sim.model.loading import Problem, ScenarioError

SCENARIO_HELP = "a scenario file, or the name of a bundled scenario (e.g. weekday, nye_eocs_outage)"


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def scenario_path(text: str) -> Path:
    """A scenario argument: an existing path as typed, else a bundled scenario by name.

    After ``pip install meldsim`` there is no scenarios/ folder to point at, so
    ``meldsim run weekday`` must work; a path always wins so a user's file is never shadowed.
    """
    return _path_or_bundled(text, bundled.bundled_scenarios(), "scenario")


def matrix_path(text: str | None) -> Path:
    """A report matrix argument: an existing path, a bundled matrix by name, or (None) the standard one."""
    if text is None:
        return bundled.standard_matrix()
    return _path_or_bundled(text, bundled.bundled_matrices(), "matrix")


def _path_or_bundled(text: str, named: dict[str, Path], what: str) -> Path:
    path = Path(text)
    try:
        if path.exists():
            return path
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        pass
    if text in named:
        return named[text]
    shown = text if len(text) <= 200 else f"{text[:200]}..."
    raise ScenarioError(
        [Problem(shown, "", f"file not found, and not the name of a bundled {what} (bundled: {', '.join(named)})")]
    )
