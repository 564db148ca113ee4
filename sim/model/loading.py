"""Scenario files: YAML, ``base:`` overlays, and errors a user can act on.

Every problem becomes a :class:`Problem` (file, dotted field path, message), never a
traceback: ``meldsim validate`` prints them one per line.

Files may be hostile: YAML is read within the limits of :mod:`sim.model.limits` (size,
expanded nodes, depth, digits; no duplicate keys), scenario and trace files must be regular
files, and a ``base:`` must lie in the folder tree of the file that names it or be a bundled
scenario (by name, ``base: weekday``, or by path).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim import bundled
from sim.model import limits
from sim.model.scenario import Place, Problems, Scenario, Station

#: a scenario's ``name`` names its result directory: no dots in front, no path separators
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top level)'}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def deep_merge(base: dict, overlay: dict) -> dict:
    """Overlay wins; dicts merge key by key, anything else (lists too) is replaced whole.

    A distribution spec with another ``dist`` than the base's replaces it whole: the base's
    parameters (``low``, ``mode``, ``high``) mean nothing to the new family.
    """
    merged = dict(base)
    for key, value in overlay.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and not _new_family(old, value):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _new_family(old: dict, new: dict) -> bool:
    return "dist" in new and "dist" in old and new["dist"] != old["dist"]


def resolve_file(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict:
    """The scenario's raw mapping with its ``base:`` chain applied (no validation yet)."""
    path = Path(path)
    shown = str(path)
    real = path.resolve()
    if real in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, real))
        raise ScenarioError([Problem(shown, "base", f"base cycle: {cycle}")])
    if len(_chain) >= limits.MAX_BASE_CHAIN:
        raise ScenarioError([Problem(shown, "base", f"base chain longer than {limits.MAX_BASE_CHAIN} files (limit)")])
    data = read_yaml_mapping(real, shown, "a scenario file")
    data = resolve_data_paths(_stringify_keys(data), real, shown)
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise ScenarioError([Problem(shown, "base", "must be the path of another scenario file")])
        parent = resolve_file(_base_path(real, base, shown), (*_chain, real))
        data = deep_merge(parent, data)
    if not _chain and isinstance(data.get("name"), str) and not _good_name(data["name"]):
        raise ScenarioError([Problem(shown, "name", _NAME_RULE)])
    return data


def resolve_data_paths(data: dict, real: Path, shown: str) -> dict:
    """Every relative file path in a scenario mapping (trace, posts, places, partners) made absolute,
    relative to ``real``, the file that names it (a scenario, or a report matrix whose ``set`` adds them)."""
    trace = data.get("load", {}).get("trace_file") if isinstance(data.get("load"), dict) else None
    if isinstance(trace, str) and not Path(trace).is_absolute():
        try:
            data = {**data, "load": {**data["load"], "trace_file": str((real.parent / trace).resolve())}}
        except (OSError, ValueError, RuntimeError) as exc:  # NUL byte, symlink loop
            raise ScenarioError([Problem(shown, "load.trace_file", f"not a usable path: {exc}")]) from None
    for section, key in GEOGRAPHY_FILES:
        data = _resolve_data_path(data, section, key, real, shown)
    if isinstance(data.get("partners"), dict):
        for name in list(data["partners"]):
            data = _resolve_data_path(data, "partners", name, real, shown)
    return data


_NAME_RULE = (
    "must be 1 to 80 letters, digits, '_', '-' or '.', start with a letter or digit and not contain '..' "
    "(it names the result directory)"
)


def _good_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None and ".." not in name


def _base_path(real: Path, base: str, shown: str) -> Path:
    """Where ``base:`` points: inside the naming file's folder tree, or a bundled scenario.

    A bundled scenario may be named (``base: weekday``) or reached by a relative path;
    anything else outside the folder (``/etc/passwd``, ``../../secret.yaml``) is refused, so a
    scenario someone hands over cannot read (and echo in its errors) arbitrary files.
    """
    try:
        candidate = (real.parent / base).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError([Problem(shown, "base", f"not a usable path: {exc}")]) from None
    scenarios = bundled.bundled_scenarios()
    roots = (real.parent, *{p.resolve().parent for p in scenarios.values()})
    if candidate.is_file():
        if any(candidate.is_relative_to(root) for root in roots):
            return candidate
        raise ScenarioError(
            [
                Problem(
                    shown,
                    "base",
                    f"{base}: a base must be inside this file's folder (or below it) or a bundled scenario",
                )
            ]
        )
    if base in scenarios:
        return scenarios[base]
    raise ScenarioError([Problem(shown, "base", f"base file not found: {base}")])


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses alias bombs, deep nesting, huge integers and duplicate keys.

    Aliases share one node, so ``safe_load`` is quick, but everything after it (key
    stringifying, pydantic) walks the expanded tree: 10 levels of 9 aliases are 3.5 billion
    nodes. Counting the expanded size while composing stops such a file after a few
    milliseconds.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._expanded = 0  # nodes so far, every alias counted as the size of what it repeats
        self._sizes: dict[int, int] = {}  # id(anchored node) -> its expanded size
        self._depth = 0

    def fetch_flow_collection_start(self, token_class):
        # the scanner tracks open ``[`` / ``{`` with work that grows with their number: stop early
        if self.flow_level >= limits.MAX_YAML_DEPTH:
            raise YamlLimitError(f"nested more than {limits.MAX_YAML_DEPTH} levels deep", self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:  # sizes are recorded when a node is complete
                raise YamlLimitError(f"alias *{event.anchor} inside the collection it names", event.start_mark)
            self._count(self._sizes[id(node)], event.start_mark)
            return node
        event = self.peek_event()
        self._depth += 1
        if self._depth > limits.MAX_YAML_DEPTH:
            raise YamlLimitError(f"nested more than {limits.MAX_YAML_DEPTH} levels deep", event.start_mark)
        before = self._expanded
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if getattr(event, "anchor", None) is not None:
            self._sizes[id(node)] = self._expanded - before
        return node

    def _count(self, nodes: int, mark) -> None:
        self._expanded += nodes
        if self._expanded > limits.MAX_YAML_NODES:
            raise YamlLimitError(
                f"too many aliases/nodes: more than {limits.MAX_YAML_NODES:,} once aliases are expanded", mark
            )

    def construct_object(self, node, deep=False):
        # PyYAML's own constructors fail on some tagged values (``!!int ''``: IndexError)
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, IndexError, TypeError, KeyError, OverflowError) as exc:
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else "..."
            raise YamlLimitError(f"cannot read {node.tag} value '{value}' ({exc})", node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                text = str(key)
            except ValueError:
                continue
            if text in seen:
                raise YamlLimitError(f"duplicate key '{text}' (first on line {seen[text]})", key_node.start_mark)
            seen[text] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > limits.MAX_INT_DIGITS:
            raise YamlLimitError(f"a number with {digits} digits (at most {limits.MAX_INT_DIGITS})", node.start_mark)
        return super().construct_yaml_int(node)


_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int)


class YamlLimitError(yaml.YAMLError):
    """A YAML document over a limit of :mod:`sim.model.limits`, or with a duplicate key."""

    def __init__(self, message: str, mark=None):
        self.message = f"line {mark.line + 1}: {message}" if mark is not None else message
        super().__init__(self.message)


def safe_load_text(text: str):
    """``yaml.safe_load`` within the limits of :mod:`sim.model.limits`; raises ``yaml.YAMLError``."""
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError:  # not reached within MAX_YAML_DEPTH; a last line of defence
        raise YamlLimitError(f"nested more than {limits.MAX_YAML_DEPTH} levels deep") from None
    except (ValueError, IndexError, TypeError, KeyError, OverflowError) as exc:  # built after construct_object
        raise YamlLimitError(f"a value YAML cannot read ({exc})") from None
    finally:
        loader.dispose()


def read_limited_text(path: Path, max_bytes: int) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; OSError/ValueError/UnicodeDecodeError otherwise.

    ``O_NONBLOCK`` so that a FIFO never blocks the open, ``fstat`` on the open file so that
    nothing can be swapped in between the check and the read, and no more than the limit is read
    (``/dev/zero`` never ends).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes:,} bytes (limit)")
    return data.decode("utf-8")


def read_yaml_mapping(path: Path, shown: str, what: str) -> dict:
    """A YAML file's top-level mapping (:func:`safe_load_text`); every failure as a Problem."""
    try:
        text = read_limited_text(Path(path), limits.MAX_SCENARIO_BYTES)
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, "", "file not found")]) from None
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScenarioError([Problem(shown, "", f"cannot read file: {reason}")]) from None
    try:
        data = safe_load_text(text)
    except YamlLimitError as exc:
        raise ScenarioError([Problem(shown, "", exc.message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(shown, "", f"YAML syntax error: {where}{reason}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(shown, "", f"{what} must be a mapping of fields")])
    return data


def _stringify_keys(value: Any) -> Any:
    """YAML turns keys like ``1`` or ``yes`` into non-strings; field names are strings.

    Safe to recurse: :func:`safe_load_text` bounds the depth and the expanded size.
    """
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def validation_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"])
        original = err.get("ctx", {}).get("error")
        if isinstance(original, Problems):
            problems += [Problem(file, ".".join(filter(None, (path, p))), m) for p, m in original.problems]
            continue
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(file, path, message))
    return problems


def scenario_from_dict(data: dict, file: str = "<scenario>") -> Scenario:
    data = read_geography_files(read_partner_files(data, file), file)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(file, exc)) from None
    if scenario.load.trace_file is not None:
        read_trace(scenario, file)  # fail at load time, not mid-run
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve ``base:`` and validate one scenario file."""
    return scenario_from_dict(resolve_file(path), str(path))


@dataclass(frozen=True)
class TraceRow:
    minute: float
    region: str
    incident_type: str


def read_trace(scenario: Scenario, file: str = "<scenario>") -> list[TraceRow]:
    """Incidents from the trace CSV (``time,region,type``), sorted by time.

    ``time`` is an ISO datetime or minutes after the horizon start.
    """
    path = scenario.load.trace_file
    field = "load.trace_file"
    try:
        text = read_limited_text(path, limits.MAX_TRACE_BYTES)
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"time", "region", "type"} - set(reader.fieldnames or ())
            if missing:
                raise ScenarioError(
                    [Problem(file, field, f"{path.name}: missing column(s) {', '.join(sorted(missing))}")]
                )
            rows = []
            for line, row in enumerate(reader, start=2):
                if len(rows) == limits.MAX_INCIDENTS:  # the generator's limit holds for a replay too
                    raise ScenarioError(
                        [Problem(file, field, f"{path.name}: more than {limits.MAX_INCIDENTS:,} incidents (limit)")]
                    )
                rows.append(_trace_row(scenario, row, f"{path.name} line {line}", file))
    except OSError as exc:
        raise ScenarioError([Problem(file, field, f"cannot read trace file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(file, field, f"{path.name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8")]
        ) from None
    except (csv.Error, ValueError) as exc:  # a field over the csv size limit, a NUL byte in the path
        raise ScenarioError([Problem(file, field, f"{path.name}: cannot read trace file: {exc}")]) from None
    return sorted(rows, key=lambda r: r.minute)


def _trace_row(scenario: Scenario, row: dict, where: str, file: str) -> TraceRow:
    def fail(msg):
        raise ScenarioError([Problem(file, "load.trace_file", f"{where}: {msg}")])

    text = (row["time"] or "").strip()
    try:
        minute = float(text)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            fail(f"time '{text}' is neither minutes nor an ISO datetime")
        if when.tzinfo is not None:
            fail(f"time '{text}' has a UTC offset; give local time like horizon.start")
        minute = scenario.horizon.minute_of(when)
    if row["region"] not in scenario.load.region_shares:
        fail(f"unknown region '{row['region']}'")
    if row["type"] not in scenario.load.incident_types:
        fail(f"unknown incident type '{row['type']}'")
    return TraceRow(minute, row["region"], row["type"])


# --- partner rooms (issue 16): scenario files named in the scenario -----------------------------
def read_partner_files(data: dict, file: str = "<scenario>") -> dict:
    """Replace each partner given as a file path by the file's mapping (a light description)."""
    partners = data.get("partners")
    if not isinstance(partners, dict) or not any(isinstance(v, str) for v in partners.values()):
        return data
    resolved = {}
    for name, value in partners.items():
        if isinstance(value, str):
            path = Path(value)
            if not path.is_file():
                raise ScenarioError([Problem(file, f"partners.{name}", f"{value}: no such partner file")])
            value = _stringify_keys(read_yaml_mapping(path, str(path), "a partner file"))
        resolved[name] = value
    return {**data, "partners": resolved}


# --- posts and places (issue 15): CSV files named in the scenario --------------------------------
#: (section, key): a string there is the path of a CSV whose rows become the list
GEOGRAPHY_FILES = (("units", "stations"), ("geography", "places"))
_CSV_MODELS = {"stations": Station, "places": Place}
_REQUIRED = {"stations": ("name", "region", "crew", "lat", "lon"), "places": ("name", "region", "lat", "lon")}
_INTEGERS = {"units"}


def _resolve_data_path(data: dict, section: str, key: str, real: Path, shown: str) -> dict:
    """A relative data path (a posts or places CSV, a partner file) is relative to the scenario file
    that names it (before ``base:`` merges); if no such file is there, a bundled one of that name
    (``geography/mkon_posts.csv``), so a copy of a bundled scenario elsewhere still finds it."""
    part = data.get(section)
    if not isinstance(part, dict) or not isinstance(part.get(key), str) or Path(part[key]).is_absolute():
        return data
    try:
        resolved = (real.parent / part[key]).resolve()
        if not resolved.exists():
            root = bundled.scenarios_root()
            shipped = (root / part[key]).resolve()
            if shipped.is_file() and shipped.is_relative_to(root):
                resolved = shipped
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError([Problem(shown, f"{section}.{key}", f"not a usable path: {exc}")]) from None
    return {**data, section: {**part, key: str(resolved)}}


def read_geography_files(data: dict, file: str = "<scenario>") -> dict:
    """Replace the path in ``units.stations`` / ``geography.places`` by the file's rows.

    Every bad row is reported as ``FILE: row N: field: problem`` (N is the line in the file, as
    a spreadsheet numbers it), all of them at once.
    """
    regions = data.get("load", {}).get("region_shares") if isinstance(data.get("load"), dict) else None
    regions = list(regions) if isinstance(regions, dict) else None
    for section, key in GEOGRAPHY_FILES:
        part = data.get(section)
        if isinstance(part, dict) and isinstance(part.get(key), str):
            path = Path(part[key])
            if not path.is_file():  # the scenario's field is wrong, not a row of the file
                raise ScenarioError([Problem(file, f"{section}.{key}", f"{part[key]}: no such CSV file")])
            rows = read_rows_csv(path, key, regions)
            data = {**data, section: {**part, key: rows, f"{key}_file": part[key]}}
    return data


def read_rows_csv(path: Path, kind: str, regions: list[str] | None = None) -> list[dict]:
    """Posts (``kind="stations"``) or places (``"places"``) from a CSV, checked row by row."""
    shown = _shown(path)
    try:
        text = read_limited_text(path, limits.MAX_GEOGRAPHY_BYTES)
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(shown, "", f"not UTF-8 text (byte {exc.start}); save the CSV as UTF-8")]) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScenarioError([Problem(shown, "", f"cannot read file: {reason}")]) from None
    model, problems, rows, first_row = _CSV_MODELS[kind], [], [], {}
    try:
        records = list(_csv_records(text))
    except csv.Error as exc:
        raise ScenarioError([Problem(shown, "", f"not a CSV file: {exc}")]) from None
    if not records:
        raise ScenarioError([Problem(shown, "", "empty file: needs a header row and at least one row")])
    header_line, header = records[0]
    header = [h.strip() for h in header]
    missing = [c for c in _REQUIRED[kind] if c not in header]
    if missing:
        raise ScenarioError([Problem(shown, f"row {header_line}", f"missing column(s) {', '.join(missing)}")])
    if len(records) - 1 > limits.MAX_GEOGRAPHY_ROWS:
        raise ScenarioError([Problem(shown, "", f"more than {limits.MAX_GEOGRAPHY_ROWS:,} rows (limit)")])
    known = [c for c in header if c in model.model_fields and not c.endswith("_file")]
    for line, values in records[1:]:
        if len(values) != len(header):
            problems.append(Problem(shown, f"row {line}", f"{len(values)} fields, the header has {len(header)}"))
            continue
        row = {c: v.strip() for c, v in zip(header, values, strict=True) if c in known and v.strip() != ""}
        for c in _INTEGERS & row.keys():
            row[c] = int(row[c]) if row[c].isdigit() else row[c]
        before = len(problems)
        try:
            model.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "row"
                message = "missing value" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
                if field in row and err["type"] != "value_error":
                    message = f"'{row[field]}': {message}"
                problems.append(Problem(shown, f"row {line}", f"{field}: {message}"))
        region = row.get("region")
        if regions is not None and region is not None and region not in regions:
            problems.append(
                Problem(shown, f"row {line}", f"region: unknown region '{region}' (regions: {', '.join(regions)})")
            )
        name = row.get("name")
        if kind == "stations" and name is not None:
            if name in first_row:
                problems.append(Problem(shown, f"row {line}", f"name: '{name}' is also on row {first_row[name]}"))
            first_row.setdefault(name, line)
        if len(problems) == before:
            rows.append(row)
        if len(problems) >= _MAX_ROW_PROBLEMS:
            break
    if problems:
        raise ScenarioError(problems)
    return rows


def check_geography_csv(path: Path) -> list[dict]:
    """A posts or places CSV on its own (``meldsim validate posts.csv``): the kind follows from
    its header (posts have ``crew``), regions are checked against the bundled scenarios' five."""
    try:
        head = read_limited_text(path, limits.MAX_GEOGRAPHY_BYTES)
    except (OSError, ValueError):
        head = ""  # read_rows_csv reports why
    records = next(_csv_records(head), (0, []))[1] if head else []
    kind = "stations" if "crew" in (c.strip() for c in records) else "places"
    regions = list(resolve_file(bundled.scenario_resource("weekday"))["load"]["region_shares"])
    return read_rows_csv(path, kind, regions)


_MAX_ROW_PROBLEMS = 50  # enough to fix a file; a wholly wrong file does not flood the terminal


def _csv_records(text: str):
    """(line number, fields) per record; blank lines and lines starting with ``#`` are skipped."""
    kept = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")
    ]
    reader = csv.reader(line for _, line in kept)
    for values in reader:
        yield kept[reader.line_num - 1][0], values


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
