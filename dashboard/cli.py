"""``meldsim dashboard``: start the web app on loopback (or the host given).

Registered as the ``dashboard`` entry point of group ``meldsim.commands`` (pyproject.toml),
which :mod:`sim.cli` loads, so the simulator never imports the UI. Dash is imported only
when the command runs, so other commands start as fast as before.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_dashboard_command(subparsers) -> argparse.ArgumentParser:
    """Register ``dashboard`` on the ``meldsim`` sub-command parsers."""
    parser = subparsers.add_parser("dashboard", help="start the web dashboard (compare runs, start runs, scenarios)")
    parser.add_argument("--results", type=Path, default=Path("results"), help="results directory to read and write")
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"), help="scenario files directory")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (reloader, dev tools)")
    parser.set_defaults(handler=cmd_dashboard)
    return parser


def cmd_dashboard(args) -> int:
    from .app import create_app

    app = create_app(args.results, args.scenarios)
    print(
        f"meldsim dashboard on http://{args.host}:{args.port}/ (results: {args.results}, "
        f"scenarios: {args.scenarios}); Ctrl-C stops it"
    )
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard``: the same command without the rest of meldsim's CLI."""
    parser = argparse.ArgumentParser(prog="python -m dashboard")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    add_dashboard_command(commands)
    args = parser.parse_args(["dashboard", *(sys.argv[1:] if argv is None else argv)])
    return args.handler(args)
