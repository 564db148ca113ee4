"""Issue 12, hardening: each test reproduces one reported failure.

Interrupted runs (SIGTERM, kill -9, the dashboard's Cancel) leave no workers and no debris
that is listed; work in flight is bounded; a damaged, swapped or corrupt result directory is
marked and never breaks a listing; file-system errors end with ``PATH: what is wrong``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from helpers import SCENARIOS, scenario_file

from dashboard import data, jobs
from dashboard.components import Config
from dashboard.pages import compare, run, timeline
from sim import cli
from sim.experiments import api, runner
from sim.experiments import results as result_files

OUTAGE = SCENARIOS / "nye_eocs_outage.yaml"
HOUR = {"start": "2024-12-31T22:50:00", "duration_min": 60, "warmup_min": 5}
QUICK = api.Options(replications=2, seed=3, jobs=1, keep_records=0)


def hour(tmp_path: Path, name: str = "today") -> Path:
    return scenario_file(tmp_path / f"{name}.yaml", base=OUTAGE, name=name, horizon=HOUR)


def meldsim(*args) -> int:
    return cli.main([str(a) for a in args])


def hidden(directory: Path) -> list[str]:
    return [str(p) for p in directory.rglob(".*")] if directory.exists() else []


def start(tmp_path: Path, results: Path, replications: int = 5000, *extra: str) -> subprocess.Popen:
    """``meldsim run`` as a subprocess in its own session, as a user would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(hour(tmp_path)), "-n", str(replications), "--jobs", "2"]
        + ["--keep-records", "0", "--results", str(results), "-q", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_staging(proc: subprocess.Popen, results: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not hidden(results) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert hidden(results), "the run never started"


def processes_of(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line mentions ``marker`` (pool workers are forks: same cmdline)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmdline and state not in ("Z", "X") and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def gone(marker: str, within: float = 3.0) -> list[int]:
    """Processes of ``marker`` still alive after ``within`` seconds (PDEATHSIG is quick, the fallback polls)."""
    deadline = time.monotonic() + within
    while processes_of(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_of(marker)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def kill_all(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- 1. interrupted runs: SIGTERM, kill -9, stale staging directories ---------------------------
def test_sigterm_stops_a_run_like_ctrl_c(tmp_path):
    results = tmp_path / "results"
    proc = start(tmp_path, results)
    try:
        wait_for_staging(proc, results)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGTERM)  # `kill PID`: the parent only, no handler used to mean an abrupt death
        _, err = proc.communicate(timeout=60)
    finally:
        kill_all(proc)
    assert proc.returncode == cli.EXIT_TERMINATED, err
    assert "terminated: stopped the workers; no result directory was written" in err
    assert hidden(results) == [] and [p for p in results.rglob("*") if p.is_file()] == []
    assert gone(str(results)) == []


def test_kill_9_takes_the_workers_along_and_the_next_run_removes_the_debris(tmp_path, capsys):
    results = tmp_path / "results"
    proc = start(tmp_path, results)
    try:
        wait_for_staging(proc, results)
        time.sleep(0.5)
        assert len(processes_of(str(results))) >= 3, "parent and two workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert gone(str(results)) == [], "pool workers outlived their parent"
    finally:
        kill_all(proc)
    debris = hidden(results)
    assert len(debris) == 1 and ".partial-" in debris[0]
    assert meldsim("runs", "--results", results) == 0
    assert "partial" not in capsys.readouterr().out
    done = api.run(hour(tmp_path), QUICK, results_root=results)
    assert hidden(results) == [] and (done / "manifest.json").is_file()


def test_stale_staging_of_dead_processes_is_removed_and_live_ones_are_kept(tmp_path):
    root = tmp_path / "results"
    dead = root / "a" / f".20250101-000000.partial-{dead_pid()}"
    dead_tmp = root / "b" / f".comparison.html.tmp-{dead_pid()}"
    mine = root / "a" / f".20250101-000001.partial-{os.getpid()}"
    parent = root / f".x.partial-{os.getppid()}"
    unrelated = root / ".run-slots"
    for d in (dead, mine, parent, unrelated):
        d.mkdir(parents=True)
    dead_tmp.parent.mkdir(parents=True)
    dead_tmp.write_text("half")
    assert set(result_files.remove_stale(root)) == {dead, dead_tmp}
    assert not dead.exists() and not dead_tmp.exists() and mine.is_dir() and parent.is_dir() and unrelated.is_dir()
    assert result_files.pid_alive(os.getpid()) and not result_files.pid_alive(dead_pid())


def test_workers_without_prctl_still_die_with_their_parent(tmp_path):
    """The portable fallback: a thread that notices the parent is gone (no PR_SET_PDEATHSIG)."""
    script = tmp_path / "orphan.py"
    script.write_text(
        "import os, sys, time\n"
        "from sim.experiments import runner\n"
        "runner.PARENT_POLL_S = 0.05\n"
        "parent = os.getpid()\n"
        "if os.fork() == 0:\n"
        "    sys.platform = 'darwin'\n"
        "    runner.die_with_parent(parent)\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "time.sleep(0.3)\n"
        "os._exit(0)\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    child = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 3
    while result_files.pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not result_files.pid_alive(child)


def test_a_dashboard_job_stopped_with_sigterm_cleans_up_and_returns(tmp_path):
    root = tmp_path / "results"
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    hour(scenarios)
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(jobs.Stopped):
        jobs.start_runs(root, scenarios, ["today.yaml"], 50, 1, 1, keep_records=1, progress=progress)
    assert signal.getsignal(signal.SIGTERM) == before  # the server's own handler is back
    assert 2 <= max(seen) < 50
    assert [p for p in root.rglob("*") if p.is_file() and ".run-slots" not in p.parts] == []
    assert [p for p in hidden(root) if ".run-slots" not in p] == []


def test_a_cancelled_dashboard_job_leaves_nothing_the_next_start_does_not_clean(tmp_path):
    """Dash's Cancel kills the job and its children with SIGKILL: no clean-up can run in them."""
    root = tmp_path / "results"
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    hour(scenarios)
    job = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from dashboard import jobs; jobs.start_runs(*sys.argv[1:3], ['today.yaml'], 5000, 1, 2)",
        ]
        + [str(root), str(scenarios)],
        start_new_session=True,
    )
    try:
        wait_for_staging(job, root)
        time.sleep(0.5)
        for pid in [*processes_of(str(root)), job.pid]:  # what psutil does for Dash: children first
            os.kill(pid, signal.SIGKILL)
        job.wait(timeout=10)
    finally:
        kill_all(job)
    assert [p for p in hidden(root) if ".partial-" in p]
    assert all(not e.key.startswith(".") and ".partial" not in e.key for e in data.list_run_entries(root))
    keys = jobs.start_runs(root, scenarios, ["today.yaml"], 2, 1, 1, keep_records=0)
    assert len(keys) == 1 and [p for p in hidden(root) if ".partial-" in p] == []


# --- 2. bounded work ----------------------------------------------------------------------------
def test_bounded_submits_only_as_results_are_taken():
    submitted = []
    stream = runner.bounded(range(100_000), lambda i: submitted.append(i) or f"future-{i}", limit=6)
    assert next(stream) == (0, "future-0")
    assert len(submitted) == 6  # not 100,000
    outstanding, last = [], None
    for item, future in stream:
        outstanding.append(len(submitted) - item)
        last = future
        if item == 500:
            break
    assert max(outstanding) <= 6 and last == "future-500"
    assert list(runner.bounded(range(3), str, limit=10)) == [(0, "0"), (1, "1"), (2, "2")]


class CountingPool(ProcessPoolExecutor):
    submitted = 0

    def submit(self, *args, **kwargs):
        CountingPool.submitted += 1
        return super().submit(*args, **kwargs)


def test_a_huge_run_does_not_submit_every_batch_at_once(tmp_path, monkeypatch):
    """10,000,000 replications used to queue ~400,000 batches (1 GB in 25 s) before any result."""
    monkeypatch.setattr(runner, "ProcessPoolExecutor", CountingPool)
    CountingPool.submitted = 0
    scenario = api.as_scenario(hour(tmp_path))
    stream = runner.iterate(scenario, 1, 10_000_000, jobs=2)
    first = [next(stream) for _ in range(30)]  # two batches of 25 done
    assert [r.replication for r in first] == list(range(30))
    assert CountingPool.submitted <= runner.IN_FLIGHT_PER_JOB * 2 + 2
    stream.close()  # stops the workers


class ForkserverPool(ProcessPoolExecutor):
    """The pool as Python 3.14 makes it by default on Linux: workers are children of a forkserver."""

    def __init__(self, *args, **kwargs):
        import multiprocessing

        super().__init__(*args, mp_context=multiprocessing.get_context("forkserver"), **kwargs)


def test_workers_started_by_a_forkserver_run_and_die_with_the_run(tmp_path, monkeypatch):
    scenario = api.as_scenario(hour(tmp_path))
    expected = [json.dumps(r.kpis) for r in runner.iterate(scenario, 4, 6, jobs=1)]  # NaN == NaN as text
    monkeypatch.setattr(runner, "ProcessPoolExecutor", ForkserverPool)
    assert [json.dumps(r.kpis) for r in runner.iterate(scenario, 4, 6, jobs=2)] == expected


def test_the_dashboard_runs_at_most_two_at_once(tmp_path):
    cfg = Config(tmp_path / "results", tmp_path / "scenarios")
    cfg.scenarios_dir.mkdir()
    hour(cfg.scenarios_dir)
    limit, queue = jobs.MAX_CONCURRENT_RUNS, jobs.MAX_QUEUED_RUNS
    with ExitStack() as held:
        # every slot running and every place in line taken, as by six other jobs
        slots = [held.enter_context(jobs.run_slot(cfg.results_root)) for _ in range(limit)]
        assert len(slots) == limit
        places = [held.enter_context(_hold(cfg.results_root, f"queue-{k}")) for k in range(queue)]
        assert len(places) == queue
        with pytest.raises(jobs.Busy), jobs.run_slot(cfg.results_root):
            pass
        result, done = run.start_view(cfg, None, ["today.yaml"], 2, 1, 1, "en")
        assert f"{limit} runs are already going" in str(result) and done is run.no_update
    assert list((cfg.results_root).glob("today")) == []


def test_a_start_beyond_the_running_ones_waits_in_line_and_then_runs(tmp_path):
    """Five starts at once (the reproduction): two run, three wait and run in turn; none is lost."""
    root = tmp_path / "results"
    running, order, lock = [0], [], threading.Lock()
    most = [0]

    def start(k):
        def waiting():
            order.append(("queued", k))

        with jobs.run_slot(root, waiting=waiting, poll_s=0.02):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.3)
            with lock:
                running[0] -= 1
        order.append(("done", k))

    threads = [threading.Thread(target=start, args=(k,)) for k in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert most[0] == jobs.MAX_CONCURRENT_RUNS
    assert sorted(k for what, k in order if what == "done") == [0, 1, 2, 3, 4]
    assert sum(what == "queued" for what, _ in order) == 3


@contextmanager
def _hold(root: Path, name: str):
    """Take one lock file of the dashboard's run slots or line, as another job would."""
    directory = root / jobs.SLOTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield handle


# --- 4. one corrupt result directory never breaks a listing -------------------------------------
@pytest.fixture
def shelf(tmp_path):
    """A results root with two good runs (``good`` and ``other``, different replications)."""
    root = tmp_path / "results"
    good = api.run(hour(tmp_path), api.Options(replications=3, seed=1, jobs=1, keep_records=1), results_root=root)
    other = api.run(hour(tmp_path, "other"), QUICK, results_root=root)
    return root, good, other


def edit_json(path: Path, change) -> None:
    data_ = json.loads(path.read_text())
    change(data_)
    path.write_text(json.dumps(data_))


def test_a_summary_with_text_for_a_number_is_listed_as_unreadable(shelf, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    root, good, other = shelf
    edit_json(good / "summary.json", lambda s: s["processing_time_mean_s"].update(mean="abc"))
    assert meldsim("runs", "--results", root) == 0
    out = capsys.readouterr().out
    assert "unreadable" in out and "processing_time_mean_s.mean: 'abc' is not a number" in out
    assert str(other) in out  # everything else is still listed
    assert meldsim("show", good) == 2
    assert "is not a number" in capsys.readouterr().err
    cfg = Config(root, root.parent)
    key = good.relative_to(root).as_posix()
    table, _csv, messages = compare.table_view(cfg, [key, other.relative_to(root).as_posix()], "en")
    assert "is not a number" in str(messages)
    entries = {e.key: e for e in data.list_run_entries(root)}
    assert entries[key].error and not entries[key].damaged


def test_a_garbage_horizon_start_does_not_break_the_figures(shelf):
    root, good, _ = shelf
    edit_json(good / "manifest.json", lambda m: m["scenario"]["horizon"].update(start="garbage"))
    cfg = Config(root, root.parent)
    key = good.relative_to(root).as_posix()
    assert any("horizon.start: 'garbage'" in (e.error or "") for e in data.list_run_entries(root))
    compare.timeseries_view(cfg, [key], "en")
    compare.ecdf_view(cfg, [key], "en")
    options, value, messages = timeline.replication_choices_view(cfg, key, None, "en")
    assert options == [] and "horizon.start" in str(messages)
    figure = timeline.gantt_view(cfg, key, 0, "en")
    assert "horizon.start" in json.dumps(figure.to_plotly_json(), default=str)


def test_a_nul_byte_in_a_run_key_is_an_error_not_a_crash(shelf):
    root, good, _ = shelf
    cfg = Config(root, root.parent)
    bad = "today/\x00evil"
    with pytest.raises(data.DataError):
        data.resolve_run(root, bad)
    _table, _csv, messages = compare.table_view(cfg, [bad], "en")
    assert "not a run" in str(messages)
    compare.timeseries_view(cfg, [bad, good.relative_to(root).as_posix()], "en")
    timeline.replication_choices_view(cfg, bad, None, "en")
    timeline.gantt_view(cfg, bad, 0, "en")


# --- 3. swapped or damaged result files ---------------------------------------------------------
def test_the_manifest_records_rows_and_sha256_of_every_file(shelf):
    _, good, _ = shelf
    files = json.loads((good / "manifest.json").read_text())["files"]
    assert set(files) == {p.name for p in good.iterdir()} - {"manifest.json"}
    assert files["replications.parquet"]["rows"] == 3
    assert files["summary.json"]["sha256"] == result_files.file_sha256(good / "summary.json")


def test_another_runs_replications_file_is_detected(shelf, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    root, good, other = shelf
    shutil.copy(other / "replications.parquet", good / "replications.parquet")
    assert meldsim("show", good) == 2
    err = capsys.readouterr().err
    assert "damaged: replications.parquet: 2 rows, the manifest says 3" in err
    assert meldsim("runs", "--results", root) == 0
    out = capsys.readouterr().out
    assert "damaged" in out and "replications.parquet" in out
    key = good.relative_to(root).as_posix()
    entry = {e.key: e for e in data.list_run_entries(root)}[key]
    assert entry.damaged and "replications.parquet" in entry.error
    cfg = Config(root, root.parent)
    _table, _csv, messages = compare.table_view(cfg, [other.relative_to(root).as_posix(), key], "en")
    assert "damaged" in str(messages) and "replications.parquet" in str(messages)
    assert "damaged" in str(run.runs_list_view(cfg, "en")[0])


def test_an_edited_file_is_detected_and_a_run_without_records_still_reads(shelf):
    root, good, other = shelf
    text = (good / "summary.json").read_text()
    (good / "summary.json").write_text(text.replace('"n": 3', '"n": 4', 1))
    info = api.read_run_info(good)
    assert info.damaged and "summary.json: content differs from the manifest" in info.error
    (good / "incidents.parquet").unlink()
    assert "incidents.parquet: missing" in api.read_run_info(good).error
    assert api.read_run_info(other).error is None
    legacy = json.loads((other / "manifest.json").read_text())
    del legacy["files"]  # a run written before the manifest recorded its files
    (other / "manifest.json").write_text(json.dumps(legacy))
    assert api.read_run_info(other).error is None


# --- 5. file-system errors: PATH: what is wrong, nothing half-written ---------------------------
def test_out_under_an_existing_file_is_bad_input(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert meldsim("run", hour(tmp_path), "-n", 1, "--jobs", 1, "--out", tmp_path / "afile" / "run") == 2
    assert f"--out: {tmp_path / 'afile'}: is a file, not a directory" in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "x"


def test_a_read_only_results_folder_is_reported(tmp_path, capsys, monkeypatch):
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    monkeypatch.setattr(cli.os, "access", lambda path, mode: Path(path) != results_dir)
    assert meldsim("run", hour(tmp_path), "-n", 1, "--jobs", 1, "--results", results_dir) == 2
    assert f"--results: {results_dir}: not writable (permission denied)" in capsys.readouterr().err
    monkeypatch.undo()

    def denied(self, *args, **kwargs):  # the check passed (root, an ACL) but writing fails
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    assert meldsim("run", hour(tmp_path), "-n", 1, "--jobs", 1, "--results", results_dir) == 1
    assert ": Permission denied" in capsys.readouterr().err
    assert list(results_dir.iterdir()) == []


@pytest.mark.parametrize("where", ["add", "finish"])
def test_a_full_disk_leaves_nothing_half_written(tmp_path, capsys, monkeypatch, where):
    results_dir = tmp_path / "results"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "add":
        monkeypatch.setattr(result_files.RunWriter, "add", full)
    else:
        monkeypatch.setattr(result_files, "write_json", full)
    code = meldsim("run", hour(tmp_path), "-q", "-n", 2, "--jobs", 1, "--keep-records", 0, "--results", results_dir)
    assert code == 1
    assert capsys.readouterr().err.strip() == f"{results_dir}: No space left on device"
    assert hidden(results_dir) == [] and [p for p in results_dir.rglob("*") if p.is_file()] == []


# --- 6. chaos: runs killed at random moments ----------------------------------------------------
CHAOS_ROUNDS = int(os.environ.get("MELDSIM_CHAOS_ROUNDS", "10"))  # per signal
CHAOS_AT_ONCE = 3  # rounds side by side, to keep the test near a minute on two cores
EXPECTED_EXIT = {
    signal.SIGINT: {cli.EXIT_INTERRUPTED, -signal.SIGINT},  # -SIGINT: Ctrl-C while Python was still starting
    signal.SIGTERM: {cli.EXIT_TERMINATED, -signal.SIGTERM},  # -SIGTERM: before the handler was installed
    signal.SIGKILL: {-signal.SIGKILL},
}


def chaos_round(scenario: Path, results: Path, number: int, sig: int, delay: float) -> str | None:
    """Start a run, kill it ``delay`` s into it; what went wrong, or None."""
    marker = f"chaos-{number:02d}-{os.getpid()}"
    out = results / marker
    log = results.parent / f"{marker}.err"
    with open(log, "w") as err_file:  # a file, not a pipe: orphaned workers would hold a pipe open
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "run", str(scenario), "-n", "2000", "--jobs", "2", "--keep-records", "0"]
            + ["-q", "--out", str(out), "--results", str(results)],
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            start_new_session=True,
        )
    if number % 5:  # most rounds: a moment while replications run (counted from the staging directory)
        deadline = time.monotonic() + 60
        while not list(results.glob(f".{marker}.partial-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    time.sleep(delay)  # every fifth round: a moment counted from the start, often while Python is still starting
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # a terminal's Ctrl-C reaches the whole group
    else:
        os.kill(proc.pid, sig)  # `kill [-9] PID`: the parent only
    what = f"round {number} ({signal.Signals(sig).name} after {delay:.2f} s)"
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill_all(proc)
        return f"{what}: still running 30 s later"
    err = log.read_text()
    survivors = gone(marker, within=3.0)
    if survivors:
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        return f"{what}: processes {survivors} outlived the run"
    if proc.returncode not in EXPECTED_EXIT[sig]:
        return f"{what}: exit status {proc.returncode}: {err[-300:]}"
    if out.exists():
        return f"{what}: left {out}"
    return None


def test_runs_killed_at_random_moments_leave_no_workers_and_nothing_listed(tmp_path, capsys):
    import random
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(int(os.environ.get("MELDSIM_CHAOS_SEED", "12")))
    plan = [(sig, rng.uniform(0.2, 2.0)) for sig in EXPECTED_EXIT for _ in range(CHAOS_ROUNDS)]
    rng.shuffle(plan)
    scenario = hour(tmp_path)
    results = tmp_path / "results"
    results.mkdir()
    with ThreadPoolExecutor(CHAOS_AT_ONCE) as pool:
        problems = [
            p for p in pool.map(lambda item: chaos_round(scenario, results, item[0], *item[1]), enumerate(plan)) if p
        ]
    assert problems == []
    assert meldsim("runs", "--results", results) == 0
    listed = capsys.readouterr().out
    assert "partial" not in listed and "chaos-" not in listed
    done = api.run(scenario, QUICK, results_root=results)
    assert (done / "manifest.json").is_file()
    assert hidden(results) == []  # every stale staging directory of the killed runs is gone
