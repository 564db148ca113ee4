"""tests/browser_gate.py: browser tests skip off CI without Chromium, error on CI, run when it is there.

Each case runs a one-test pytest session in-process with PATH pointing at a directory that
has fake ``chromium``/``chromedriver`` executables, or nothing.
"""

from __future__ import annotations

import pytest

TEST = """
import pytest

@pytest.mark.browser
def test_in_the_browser():
    pass

def test_without_a_browser():
    pass
"""


@pytest.fixture
def session(pytester, monkeypatch, tmp_path):
    def run(programs: tuple[str, ...], ci: str | None):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        for name in programs:
            (bin_dir / name).write_text("#!/bin/sh\n", encoding="utf-8")
            (bin_dir / name).chmod(0o755)
        monkeypatch.setenv("PATH", str(bin_dir))
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # dash's plugin etc. only slow these down
        if ci is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", ci)
        pytester.makepyfile(TEST)
        return pytester.runpytest_inprocess("-p", "browser_gate", "-rs", "-p", "no:cacheprovider")

    return run


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_off_ci_a_missing_browser_skips_with_the_install_command(session, ci):
    result = session(("chromedriver",), ci)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *no chromium on PATH: apt-get install chromium chromium-driver*"])


def test_on_ci_a_missing_browser_is_an_error(session):
    result = session((), "true")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*CI is set but there is no chromium and chromedriver on PATH*apt-get install chromium chromium-driver*"]
    )


@pytest.mark.parametrize("ci", [None, "true"])
def test_with_the_browser_the_tests_run(session, ci):
    session(("chromium", "chromedriver"), ci).assert_outcomes(passed=2)
