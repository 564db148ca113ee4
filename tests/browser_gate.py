"""pytest plugin: the browser tests (marker ``browser``) need Chromium and chromedriver on PATH.

Off CI, a machine without them skips those tests, with the command that installs them as
the reason, so the README's test command ends green. With the environment variable ``CI``
set (``CI=true bash .ci/run``) a missing browser is a broken setup: every browser test then
errors with the same command, and CI can never go green by skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
INSTALL = "apt-get install chromium chromium-driver"


def missing_browser() -> str | None:
    """What the browser tests need and PATH lacks (``chromium``, ``chromedriver`` or both), or None."""
    missing = [
        name
        for name, found in (
            ("chromium", any(map(shutil.which, BROWSERS))),
            ("chromedriver", shutil.which("chromedriver")),
        )
        if not found
    ]
    return " and ".join(missing) or None


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: dashboard tests in real headless Chromium (dash[testing], "
        f"Debian's chromium and chromium-driver: {INSTALL})",
    )


def pytest_collection_modifyitems(config, items):
    missing = missing_browser()
    if missing is None or on_ci():
        return
    skip = pytest.mark.skip(reason=f"no {missing} on PATH: {INSTALL} (with CI set this is an error)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """On CI, fail before the test's fixtures start a browser or build their data."""
    if item.get_closest_marker("browser") and on_ci():
        missing = missing_browser()
        if missing:
            pytest.fail(
                f"CI is set but there is no {missing} on PATH; the browser tests need them: {INSTALL}", pytrace=False
            )
