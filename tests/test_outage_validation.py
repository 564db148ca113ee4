"""Bad outage and procedure specs: exit 2 from ``meldsim validate`` with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import EXIT_BAD_INPUT, main

BAD = Path(__file__).resolve().parent / "bad_outages"

CASES = [
    ("end_before_start.yaml", "outages.0.end", "must be after start"),
    ("unknown_target.yaml", "outages.0.target", "'eocs'"),
    ("unknown_region.yaml", "outages.0.regions", "unknown region 'Drenthe'"),
    ("capacity_factor_above_one.yaml", "outages.0.capacity_factor", "less than or equal to 1"),
    ("negative_duration.yaml", "outages.0.duration_min", "must not produce negative values"),
    ("start_outside_horizon.yaml", "outages.0.start", "must fall inside the horizon"),
    ("unknown_step.yaml", "procedure.steps.1", "unknown channel 'pigeons'"),
    ("relocate_without_relocation.yaml", "procedure.steps.1", "needs procedure.relocation"),
    ("survives_unknown_target.yaml", "channels.handhelds.survives.1", "'eocs'"),
]


@pytest.mark.parametrize(("name", "path", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_outage_spec_names_the_field(name, path, message, capsys):
    file = BAD / name
    assert main(["validate", str(file)]) == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"{file}: {path}: ") and message in line for line in lines), lines


def test_every_bad_outage_file_is_covered():
    assert {p.name for p in BAD.glob("*.yaml")} == {c[0] for c in CASES}
