"""Shared pytest configuration."""

from __future__ import annotations

import shutil

import pytest

# browser_gate: the browser tests skip off CI when Chromium is missing (and error on CI);
# pytester runs browser_gate in small inner sessions (tests/test_browser_gate.py)
pytest_plugins = ["browser_gate", "pytester"]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes tens of seconds (builds a wheel); still in the default run")
    # selenium 4.2 (pinned by dash[testing]) calls a urllib3 method deprecated since 2.0, once per command
    config.addinivalue_line("filterwarnings", "ignore:HTTPResponse.getheader:DeprecationWarning")


@pytest.hookimpl(optionalhook=True)
def pytest_setup_options():
    """Chrome options for dash[testing]'s dash_duo: headless Chromium that also runs as root."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1800",
        "--lang=nl-NL",
    ):
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary:
        options.binary_location = binary
    return options
