"""Component ids, in one place so pages, callbacks and tests agree.

Plain strings for components that appear once; dicts for pattern-matching families (every
figure's download buttons, every table's CSV button, the fields the scenario form builds
from its base scenario).
"""

from __future__ import annotations

from types import MappingProxyType

# --- the shell (every page) -------------------------------------------------------------
LANG = "lang-store"  # dcc.Store: "nl" or "en"; an input of the page router
LANG_RADIO = "lang-radio"
URL = "url"
NAV = "nav"
HEADER_TITLE = "header-title"
HEADER_SUBTITLE = "header-subtitle"

# --- Compare ----------------------------------------------------------------------------
CMP_RUNS = "cmp-runs"
CMP_BROKEN = "cmp-broken"
CMP_MESSAGES = "cmp-messages"
CMP_TABLE = "cmp-kpi-table"
CMP_REGION_KPI = "cmp-region-kpi"
CMP_ROOM = "cmp-room"  # whose KPIs the table shows (issue 16)
CMP_ROOM_FIELD = "cmp-room-field"  # its label and dropdown (hidden when no run has partner rooms)
CMP_ROOMS_CARD = "cmp-rooms-card"  # rooms side by side (hidden when no run has partner rooms)
CMP_ROOMS_RUN = "cmp-rooms-run"
CMP_ROOMS_TABLE = "cmp-rooms-table"

# --- Run --------------------------------------------------------------------------------
RUN_SCENARIOS = "run-scenarios"
RUN_REPLICATIONS = "run-replications"
RUN_SEED = "run-seed"
RUN_JOBS = "run-jobs"
RUN_START = "run-start"
RUN_CANCEL = "run-cancel"
RUN_PROGRESS = "run-progress"
RUN_PROGRESS_TEXT = "run-progress-text"
RUN_RESULT = "run-result"
RUN_DONE = "run-done"  # dcc.Store: the last finished run (refreshes the list)
RUN_NONCE = "run-nonce"  # dcc.Store: unique per page load, so two users never share a job
RUN_LIST = "run-list"
RUN_REFRESH = "run-refresh"

# --- Timeline ---------------------------------------------------------------------------
TL_RUN = "tl-run"
TL_REPLICATION = "tl-replication"
TL_MESSAGES = "tl-messages"
TL_BROKEN = "tl-broken"
TL_WANTED = "tl-wanted"  # dcc.Store: the replication asked for in the URL
TL_ROOMS = "tl-rooms"  # the rooms shown side by side (issue 16)
TL_ROOMS_FIELD = "tl-rooms-field"  # its label and dropdown (hidden for a run of one room)
MAP_MINUTE = "map-minute"  # the slider: units unreachable at this minute
MAP_SLIDER = "map-slider"  # the slider and its label (hidden when nothing was unreachable)
MAP_NOTE = "map-note"

# --- Exercise ---------------------------------------------------------------------------
EX_SCENARIO = "ex-scenario"
EX_SEED = "ex-seed"
EX_PICK = "ex-pick"  # median, worst or replication
EX_KPI = "ex-kpi"
EX_REPLICATION = "ex-replication"  # the replication asked for (pick = replication)
EX_REPLICATIONS = "ex-replications"  # how many to choose from
EX_GENERATE = "ex-generate"
EX_CANCEL = "ex-cancel"
EX_PROGRESS = "ex-progress"
EX_PROGRESS_TEXT = "ex-progress-text"
EX_RESULT = "ex-result"
EX_NONCE = "ex-nonce"
EX_STORE = "ex-store"  # dcc.Store (session): the generated exercise's key and preview
EX_PREVIEW = "ex-preview"  # the preview card (hidden until there is an exercise)
EX_FACTS = "ex-facts"
EX_INJECTS = "ex-injects"
EX_ROUTINE = "ex-routine"  # checkbox: also list routine incidents
EX_CSV = "ex-csv"
EX_HTML = "ex-html"
EX_CSV_FILE = "ex-csv-file"
EX_HTML_FILE = "ex-html-file"
EX_DB_SOURCE = "ex-db-source"  # form or upload
EX_DB_FORM = "ex-db-form"  # the form's fields, built from the generated exercise's steps
EX_DB_FORM_BOX = "ex-db-form-box"
EX_DB_UPLOAD = "ex-db-upload"
EX_DB_UPLOADED = "ex-db-uploaded"  # what the upload holds, or its problems
EX_DB_UPLOAD_BOX = "ex-db-upload-box"
EX_DB_REPLICATIONS = "ex-db-replications"
EX_DB_RUN = "ex-db-run"
EX_DB_CANCEL = "ex-db-cancel"
EX_DB_PROGRESS = "ex-db-progress"
EX_DB_PROGRESS_TEXT = "ex-db-progress-text"
EX_DB_MESSAGES = "ex-db-messages"
EX_DB_STORE = "ex-db-store"  # dcc.Store (session): the last debrief's key and result
EX_DB_RESULT = "ex-db-result"  # the result card (hidden until there is a result)
EX_DB_VIEW = "ex-db-view"
EX_DB_COSTLIEST = "ex-db-costliest"
EX_DB_KPIS = "ex-db-kpis"
EX_DB_STEPS = "ex-db-steps"
EX_DB_HTML = "ex-db-html"
EX_DB_JSON = "ex-db-json"
EX_DB_HTML_FILE = "ex-db-html-file"
EX_DB_JSON_FILE = "ex-db-json-file"

# --- Scenarios --------------------------------------------------------------------------
SC_LIST = "sc-list"
SC_VIEW = "sc-view"
SC_DETAILS = "sc-details"
SC_SAVED = "sc-saved"  # dcc.Store: the last saved file (refreshes the list)
SC_BASE = "sc-base"
SC_FILENAME = "sc-filename"
SC_FILENAME_ERR = "sc-filename-err"
SC_DESCRIPTION = "sc-description"
SC_FIELDS = "sc-fields"  # the form fields built from the base scenario
SC_SAVE = "sc-save"
SC_RESULT = "sc-result"

#: single fields of the form: key -> dotted scenario path they edit (for error mapping)
SC_FIELD_PATHS = MappingProxyType(
    {
        "outage_target": "outages.0.target",
        "outage_start": "outages.0.start",
        "outage_duration": "outages.0.duration_min",
        "detection": "procedure.detection_min",
        "decision": "procedure.decision_min",
        "load_factor": "load.load_factor",
    }
)


def sc_field(key: str) -> dict:
    return {"type": "sc-field", "key": key}


def sc_error(key: str) -> dict:
    return {"type": "sc-error", "key": key}


def sc_capacity(channel: str) -> dict:
    return {"type": "sc-capacity", "channel": channel}


def sc_capacity_error(channel: str) -> dict:
    return {"type": "sc-capacity-error", "channel": channel}


def sc_roster(index: int) -> dict:
    return {"type": "sc-roster", "index": index}


def sc_roster_error(index: int) -> dict:
    return {"type": "sc-roster-error", "index": index}


# --- figures and tables (pattern-matching, shared by all pages) --------------------------
FIG_TIMESERIES = "timeseries"
FIG_ECDF_PROCESSING = "ecdf-processing"
FIG_ECDF_OPKOMST = "ecdf-opkomsttijd"
FIG_REGIONS = "regions"
FIG_GANTT = "gantt"
FIG_BOARD = "board"
FIG_HOURS = "hours"  # Compare: utilisation by clock hour of each run
FIG_TL_HOURS = "tl-hours"  # Timeline: the same of one replication
FIG_TL_LOAD = "tl-load"  # Timeline: calls and messages waiting, centralists busy, per room, minute by minute
FIG_MAP = "map"  # Timeline: posts, incidents and unreachable units on the map
FIG_EXERCISE = "exercise-timeline"  # Exercise: the model series over the script's window

TABLE_KPIS = "kpis"
TABLE_ROOMS = "rooms"  # Compare: one run's KPIs per room
TABLE_RUNS = "runs"
TABLE_SCENARIOS = "scenarios"
TABLE_PARAMETERS = "parameters"


def fig(name: str) -> dict:
    return {"type": "fig", "fig": name}


def fig_png(name: str) -> dict:
    return {"type": "fig-png", "fig": name}


def fig_png_done(name: str) -> dict:
    return {"type": "fig-png-done", "fig": name}


def fig_html(name: str) -> dict:
    return {"type": "fig-html", "fig": name}


def fig_html_download(name: str) -> dict:
    return {"type": "fig-html-download", "fig": name}


def csv_button(name: str) -> dict:
    return {"type": "csv-button", "table": name}


def csv_download(name: str) -> dict:
    return {"type": "csv-download", "table": name}


def csv_data(name: str) -> dict:
    return {"type": "csv-data", "table": name}
