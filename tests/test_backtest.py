"""A pinned back-test: one bundled scenario, a fixed seed, its summary.json committed.

Any change to a number fails this test on purpose. When a model change is intended, re-pin
deliberately and say why in the commit:

    meldsim run scenarios/nye_eocs_outage.yaml -n 4 --seed 7 --jobs 1 --keep-records 0 --out /tmp/pin
    cp /tmp/pin/summary.json tests/backtest/nye_eocs_outage_seed7_n4.json
"""

import json
from pathlib import Path

from sim.experiments import api

HERE = Path(__file__).parent
PINNED = HERE / "backtest" / "nye_eocs_outage_seed7_n4.json"
SCENARIO = HERE.parent / "scenarios" / "nye_eocs_outage.yaml"


def test_summary_matches_the_pinned_one(tmp_path):
    options = api.Options(replications=4, seed=7, jobs=1, keep_records=0)
    run_dir = api.run(SCENARIO, options, out=tmp_path / "run")
    got = json.loads((run_dir / "summary.json").read_text())
    pinned = json.loads(PINNED.read_text())
    changed = sorted(k for k in pinned.keys() | got.keys() if pinned.get(k) != got.get(k))
    assert not changed, (
        f"{len(changed)} KPIs differ from the pinned back-test ({', '.join(changed[:8])}"
        f"{', ...' if len(changed) > 8 else ''}). If the model change is intended, re-pin as the "
        f"docstring of {Path(__file__).name} says and explain the change in the commit."
    )
