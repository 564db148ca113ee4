"""Fuzzing ``meldsim validate`` and ``meldsim run`` (random files and argument lists) and the YAML loader.

Whatever the input, the command must end with exit status 0 or 2, print no traceback and
stay within a time and memory bound. Each case runs in a forked child (the CLI is imported
once, so a case costs milliseconds rather than the seconds of a fresh interpreter) under
``RLIMIT_AS`` and a timeout, so a case that would eat the machine fails instead.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import sys
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.model.loading import ScenarioError, read_yaml_mapping

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MEMORY = 768 << 20  # address space a case may add to what the forked child starts with
TIMEOUT_S = 60
CRASHED = 70  # the child's exit status when main() raised

# a valid one-hour scenario (so `run` finishes in a second), hostile and broken files
FILES = {
    "tiny.yaml": "base: weekday.yaml\nname: tiny\nhorizon: {duration_min: 120, warmup_min: 0}\n",
    "bomb.yaml": "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
    "deep.yaml": "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "bigint.yaml": "base: weekday.yaml\nload: {load_factor: " + "7" * 5000 + "}\n",
    "dup.yaml": "base: weekday.yaml\nname: a\nname: b\n",
    "loop.yaml": "base: weekday.yaml\nx: &a [1, *a]\n",
    "name.yaml": "base: weekday.yaml\nname: '..'\n",
    "etc.yaml": "base: /etc/passwd\n",
    "self.yaml": "base: self.yaml\n",
    "huge.yaml": "base: weekday.yaml\nload: {base_rate_per_hour: 1.0e7}\n",
    "zero.yaml": "base: weekday.yaml\nload: {trace_file: /dev/zero}\n",
    "fifo.yaml": "base: weekday.yaml\nload: {trace_file: pipe}\n",
}

PIECES = [
    "-n",
    "--replications",
    "0",
    "1",
    "2",
    "-1",
    "1e9",
    "99999999999999999999999",
    "abc",
    "--seed",
    "--jobs",
    "-j",
    "--keep-records",
    "--engine",
    "simpy",
    "fast",
    "warp",
    "--precision",
    "0.5",
    "2",
    "--kpi",
    "incidents",
    "nope",
    "--out",
    "out",
    "--quiet",
    "-q",
    "--executor",
    "process",
    "--scheduler",
    "tcp://nowhere:1",
    "--",
    "",
    "é",
    "weekday",
    "no_such_scenario",
    "x" * 5000,  # longer than a file name may be
]

files = st.one_of(
    st.just("tiny.yaml"),
    st.sampled_from(sorted(FILES) + ["pipe", "/dev/zero", "/etc/passwd", ".", "missing.yaml"]),
    st.binary(max_size=200).map(lambda b: ("random.yaml", b)),
    st.text(st.sampled_from("ab:{}[]&*!- \n0123456789.,'\"#"), max_size=80).map(lambda t: ("text.yaml", t)),
)
#: options that are fine on their own, so that some cases get past argparse and actually run
VALID = [[], ["--seed", "7"], ["--engine", "simpy"], ["-q"], ["--keep-records", "0"], ["--kpi", "incidents"]]
chunks = st.one_of(
    st.sampled_from(VALID),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=2),
)
pieces = st.lists(chunks, max_size=2).map(lambda parts: [piece for part in parts for piece in part])


def _child(argv: list[str], folder: str, out: str) -> None:
    """In the forked child: limits, output to files, main(); a traceback is printed as Python would."""
    vm = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + EXTRA_MEMORY, vm + EXTRA_MEMORY))
    os.chdir(folder)
    with open(out + ".out", "w") as stdout, open(out + ".err", "w") as stderr:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse: 2 on bad arguments, 0 after --help
            status = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - the traceback is what the test looks for
            traceback.print_exc()
            status = CRASHED
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ROOT / "scenarios" / "weekday.yaml", path / "weekday.yaml")
    for name, text in FILES.items():
        (path / name).write_text(text, encoding="utf-8")
    os.mkfifo(path / "pipe")
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["validate", "run"]), file=files, extra=pieces, n=st.integers(1, 2))
def test_any_command_line_ends_in_0_or_2_without_traceback(folder, command, file, extra, n):
    if isinstance(file, tuple):
        name, content = file
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        file = name
    argv = [command, file, *extra]
    if command == "run":  # one process, a few replications, results inside the folder
        argv += ["-n", str(n), "--jobs", "1", "--results", "results", "--quiet"]
    argv = [a.replace("\x00", "") for a in argv]  # a real argv cannot hold NUL bytes
    note(repr(argv))
    out = str(folder / "case")
    child = multiprocessing.get_context("fork").Process(target=_child, args=(argv, str(folder), out))
    child.start()
    child.join(TIMEOUT_S)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"meldsim {argv!r} ran longer than {TIMEOUT_S} s")
    err = Path(out + ".err").read_text(errors="replace")
    assert "Traceback" not in err, err
    assert "MemoryError" not in err, err
    assert child.exitcode in (0, 2), f"exit status {child.exitcode} for {argv!r}:\n{err}"
    results = folder / "results"
    if results.exists():
        for path in results.rglob("*"):
            assert path.resolve().is_relative_to(results.resolve())


YAML_PIECES = ["&a ", "&b ", "*a", "*b", "<<: ", "[", "]", "{", "}", ": ", ", ", "\n", "\n  ", "- ", "!!int ", "!!str "]
yaml_text = st.lists(
    st.one_of(st.sampled_from(YAML_PIECES), st.text(st.sampled_from("abk019.-'\"#?|>"), max_size=4)), max_size=40
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_text)
def test_the_yaml_loader_reports_or_returns(folder, text):
    """In-process, many more cases than the CLI test: only a mapping or a ScenarioError, quickly."""
    path = folder / "loader.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    try:
        data = read_yaml_mapping(path, "loader.yaml", "a scenario file")
    except ScenarioError as exc:
        assert all(p.file == "loader.yaml" and p.message for p in exc.problems)
    else:
        assert isinstance(data, dict)
    assert time.perf_counter() - started < 2
