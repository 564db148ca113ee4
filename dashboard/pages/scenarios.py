"""Scenarios: the files in the scenarios directory with their validation status, one scenario's
resolved parameters, and a form that saves a new scenario as a ``base:`` overlay (validated
first; a bad value shows its error next to the field and nothing is written)."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from sim import labels
from sim.model.loading import ScenarioError
from sim.model.scenario import OUTAGE_TARGETS

from .. import i18n, ids
from ..components import Config, button, csv_payload, current_config, field, message, simple_table, table_card
from ..i18n import t
from ..jobs import problem_text
from ..scenario_form import FormDefaults, form_defaults, resolved_parameters, save_overlay, scenario_statuses

PATH = "/scenarios"
DEFAULT_BASE = "nye_eocs_outage.yaml"
OPEN_SECTIONS = ("horizon", "outages", "procedure")  # shown unfolded in the parameter view
SINGLE_ERRORS = ("outage_target", "outage_start", "outage_duration", "detection", "decision", "load_factor", "roster")


def layout(lang: str = "nl", **_query) -> html.Div:
    """The page for the app serving this request."""
    return build_layout(current_config(), lang)


def build_layout(cfg: Config, lang: str = "nl") -> html.Div:
    lang = i18n.lang_of(lang)
    table, _csv, view_options, base_options = list_view(cfg, lang)
    bases = [o["value"] for o in base_options]
    base = DEFAULT_BASE if DEFAULT_BASE in bases else (bases or [None])[0]
    return html.Div(
        className="page",
        children=[
            html.H2(t("sc.title", lang)),
            html.P(t("sc.intro", lang), className="intro"),
            table_card(
                ids.TABLE_SCENARIOS, t("sc.title", lang), lang, html.Div(table, id=ids.SC_LIST, className="scroll")
            ),
            table_card(
                ids.TABLE_PARAMETERS,
                t("sc.view", lang),
                lang,
                html.Div(
                    [
                        dcc.Dropdown(
                            id=ids.SC_VIEW,
                            options=view_options,
                            placeholder=t("sc.view.placeholder", lang),
                            persistence=True,
                            persistence_type="session",
                        ),
                        html.Div(id=ids.SC_DETAILS),
                    ]
                ),
            ),
            html.Div(
                className="card",
                id="sc-form",
                children=[
                    html.Div(className="card-head", children=[html.H3(t("sc.form.title", lang))]),
                    html.P(t("sc.form.intro", lang), className="note"),
                    html.Div(
                        className="grid-3",
                        children=[
                            field(
                                t("sc.form.base", lang),
                                dcc.Dropdown(
                                    id=ids.SC_BASE,
                                    options=base_options,
                                    value=base,
                                    clearable=False,
                                    persistence=True,
                                    persistence_type="session",
                                ),
                            ),
                            field(
                                t("sc.form.filename", lang),
                                dcc.Input(
                                    id=ids.SC_FILENAME, type="text", value="", placeholder="nye_eocs_3h", debounce=False
                                ),
                                error_id=ids.SC_FILENAME_ERR,
                            ),
                            field(
                                t("sc.form.description", lang), dcc.Input(id=ids.SC_DESCRIPTION, type="text", value="")
                            ),
                        ],
                    ),
                    html.Div(id=ids.SC_FIELDS),
                    html.Div(
                        className="buttons", children=[button(t("sc.form.save", lang), ids.SC_SAVE, kind="primary")]
                    ),
                    html.Div(id=ids.SC_RESULT),
                ],
            ),
            dcc.Store(id=ids.SC_SAVED),
        ],
    )


def form_fields(defaults: FormDefaults | None, lang: str, problems: list[str] | None = None) -> html.Div:
    """The editable fields for one base scenario, filled with its values."""
    if defaults is None:
        return html.Div([message(p, "error") for p in problems or []])

    def text(key: str, label: str, value: str, hint: str | None = None):
        return field(
            label,
            dcc.Input(id=ids.sc_field(key), type="text", value=value, debounce=False),
            error_id=ids.sc_error(key),
            hint=hint,
        )

    outage = html.Fieldset(
        [
            html.Legend(t("sc.form.outage", lang)),
            html.Div(
                className="grid-3",
                children=[
                    field(
                        t("sc.form.outage_target", lang),
                        dcc.Dropdown(
                            id=ids.sc_field("outage_target"),
                            value=defaults.outage_target,
                            clearable=False,
                            options=[{"label": i18n.pick(labels.target(x), lang), "value": x} for x in OUTAGE_TARGETS],
                        ),
                        error_id=ids.sc_error("outage_target"),
                    ),
                    text("outage_start", t("sc.form.outage_start", lang), defaults.outage_start),
                    text("outage_duration", t("sc.form.outage_duration", lang), defaults.outage_duration),
                ],
            ),
            None if defaults.has_outage else html.Div(t("sc.form.no_outage", lang), className="hint"),
        ]
    )
    procedure = html.Fieldset(
        [
            html.Legend(t("sc.form.procedure", lang)),
            html.Div(
                className="grid-2",
                children=[
                    text("detection", t("sc.form.detection", lang), defaults.detection),
                    text("decision", t("sc.form.decision", lang), defaults.decision),
                ],
            ),
            None if defaults.has_procedure else html.Div(t("sc.form.no_procedure", lang), className="hint"),
        ]
    )
    capacities = html.Fieldset(
        [
            html.Legend(t("sc.form.capacity", lang)),
            html.Div(
                className="grid-4",
                children=[
                    field(
                        name,
                        dcc.Input(id=ids.sc_capacity(name), type="text", value=value, debounce=False),
                        error_id=ids.sc_capacity_error(name),
                    )
                    for name, value in defaults.capacities.items()
                ],
            )
            if defaults.capacities
            else html.Div(t("sc.form.no_fallbacks", lang), className="hint"),
        ]
    )
    roster = html.Fieldset(
        [
            html.Legend(t("sc.form.roster", lang)),
            html.Div(
                className="grid-4",
                children=[
                    field(
                        f"{start}–{end}",
                        dcc.Input(id=ids.sc_roster(i), type="text", value=count, debounce=False),
                        error_id=ids.sc_roster_error(i),
                    )
                    for i, (start, end, count) in enumerate(defaults.roster)
                ],
            ),
            html.Div(id=ids.sc_error("roster"), className="field-error"),
        ]
    )
    load = html.Fieldset(
        [
            html.Legend(t("sc.form.load", lang)),
            html.Div(
                className="grid-3", children=[text("load_factor", t("sc.form.load_factor", lang), defaults.load_factor)]
            ),
        ]
    )
    return html.Div(className="form", children=[outage, procedure, capacities, roster, load])


# --- callbacks as plain functions ----------------------------------------------------------
def list_view(cfg: Config, lang: str):
    """(scenario table, CSV payload, options for the viewer, options for the form's base)."""
    lang = i18n.lang_of(lang)
    statuses = scenario_statuses(cfg.scenarios_dir)
    rows, classes = [], []
    for s in statuses:
        if s["valid"]:
            status = html.Span(t("sc.valid", lang), className="ok")
        else:
            status = html.Details(
                [
                    html.Summary(t("sc.invalid", lang, n=len(s["problems"]))),
                    html.Ul([html.Li(p) for p in s["problems"]]),
                ],
                className="bad",
            )
        rows.append([html.Code(s["file"]), s["name"] or "–", s["base"] or "", status, s["description"] or ""])
        classes.append(None if s["valid"] else "row-error")
    columns = [t(k, lang) for k in ("sc.col.file", "sc.col.name", "sc.col.base", "sc.col.status", "sc.col.description")]
    table = html.Div(
        [html.P(str(cfg.scenarios_dir), className="hint"), simple_table(columns, rows, row_classes=classes)]
    )
    csv_rows = [
        {
            "file": s["file"],
            "name": s["name"],
            "base": s["base"],
            "valid": s["valid"],
            "problems": " | ".join(s["problems"]),
            "description": s["description"],
        }
        for s in statuses
    ]
    view_options = [{"label": s["file"] + ("" if s["valid"] else " ⚠"), "value": s["file"]} for s in statuses]
    base_options = [{"label": s["file"], "value": s["file"]} for s in statuses if s["valid"]]
    return table, csv_payload(ids.TABLE_SCENARIOS, csv_rows), view_options, base_options


def details_view(cfg: Config, file: str | None, lang: str):
    """(resolved parameters grouped by section, CSV payload)."""
    lang = i18n.lang_of(lang)
    if not file:
        return None, None
    rows, problems = resolved_parameters(cfg.scenarios_dir, file)
    if problems:
        return html.Div(
            [html.H4(t("sc.problems", lang)), html.Ul([html.Li(p) for p in problems], className="bad")]
        ), csv_payload(ids.TABLE_PARAMETERS, [{"problem": p} for p in problems])
    sections: dict[str, list] = {}
    heading = []
    for path, text in rows:
        if "." not in path:  # name, description
            heading.append(html.Div([html.B(f"{path}: "), text]))
            continue
        sections.setdefault(path.split(".", 1)[0], []).append((path, text))
    blocks = [html.P(t("sc.params", lang), className="hint"), *heading]
    for section, items in sections.items():
        blocks.append(
            html.Details(
                open=section in OPEN_SECTIONS,
                children=[
                    html.Summary(f"{section} ({len(items)})"),
                    simple_table(
                        [t("sc.col.path", lang), t("sc.col.value", lang)],
                        [[html.Code(p), v] for p, v in items],
                        class_name="table params",
                    ),
                ],
            )
        )
    csv_rows = [{"parameter": p, "value": v} for p, v in rows]
    return html.Div(blocks), csv_payload(ids.TABLE_PARAMETERS, csv_rows, ["parameter", "value"])


def fields_view(cfg: Config, base: str | None, lang: str):
    lang = i18n.lang_of(lang)
    if not base:
        return None
    try:
        defaults = form_defaults(cfg.scenarios_dir, base)
    except ScenarioError as exc:
        return form_fields(None, lang, [problem_text(p, cfg.scenarios_dir) for p in exc.problems])
    return form_fields(defaults, lang)


def messages_for(lang: str) -> dict[str, str]:
    return {
        "choose_base": t("sc.err.choose_base", lang),
        "filename": t("sc.err.filename", lang),
        "exists": t("sc.err.exists", lang),
        "yaml": t("sc.err.yaml", lang),
        "datetime": t("sc.err.datetime", lang),
        "incomplete_outage": t("sc.err.incomplete_outage", lang),
        "nothing": t("sc.err.nothing", lang),
    }


def save_view(
    cfg: Config,
    base,
    filename,
    description,
    single: dict,
    capacities: dict,
    roster: dict,
    lang: str,
    error_keys=SINGLE_ERRORS,
    capacity_keys=(),
    roster_keys=(),
):
    """(result message, filename error, single-field errors, capacity errors, roster errors,
    saved-store data), the error lists in the order of ``*_keys``."""
    lang = i18n.lang_of(lang)
    result = save_overlay(
        cfg.scenarios_dir, base, filename, description, single, capacities, roster, messages_for(lang)
    )
    errors = [result.errors.get(k) for k in error_keys]
    capacity_errors = [result.capacity_errors.get(k) for k in capacity_keys]
    roster_errors = [result.roster_errors.get(int(k)) for k in roster_keys]
    if result.ok:
        note = message(t("sc.saved", lang, file=result.path.name), "ok")
        return note, None, errors, capacity_errors, roster_errors, {"file": result.path.name}
    note = html.Div([message(t("sc.not_saved", lang), "error"), *[message(g, "error") for g in result.general]])
    return note, result.filename_error, errors, capacity_errors, roster_errors, no_update


# --- wiring --------------------------------------------------------------------------------
def register(app, cfg: Config) -> None:
    @app.callback(
        Output(ids.SC_LIST, "children"),
        Output(ids.csv_data(ids.TABLE_SCENARIOS), "data"),
        Output(ids.SC_VIEW, "options"),
        Output(ids.SC_BASE, "options"),
        Input(ids.SC_SAVED, "data"),
        State(ids.LANG, "data"),
    )
    def _list(_saved, lang):
        return list_view(cfg, lang)

    @app.callback(
        Output(ids.SC_DETAILS, "children"),
        Output(ids.csv_data(ids.TABLE_PARAMETERS), "data"),
        Input(ids.SC_VIEW, "value"),
        State(ids.LANG, "data"),
    )
    def _details(file, lang):
        return details_view(cfg, file, lang)

    @app.callback(Output(ids.SC_FIELDS, "children"), Input(ids.SC_BASE, "value"), State(ids.LANG, "data"))
    def _fields(base, lang):
        return fields_view(cfg, base, lang)

    @app.callback(
        Output(ids.SC_RESULT, "children"),
        Output(ids.SC_FILENAME_ERR, "children"),
        Output(ids.sc_error(ALL), "children"),
        Output(ids.sc_capacity_error(ALL), "children"),
        Output(ids.sc_roster_error(ALL), "children"),
        Output(ids.SC_SAVED, "data"),
        Input(ids.SC_SAVE, "n_clicks"),
        State(ids.SC_BASE, "value"),
        State(ids.SC_FILENAME, "value"),
        State(ids.SC_DESCRIPTION, "value"),
        State(ids.sc_field(ALL), "value"),
        State(ids.sc_capacity(ALL), "value"),
        State(ids.sc_roster(ALL), "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def _save(n_clicks, base, filename, description, values, capacity_values, roster_values, lang):
        if not n_clicks:
            return (no_update,) * 6
        single = {s["id"]["key"]: v for s, v in zip(ctx.states_list[3], values, strict=False)}
        capacities = {s["id"]["channel"]: v for s, v in zip(ctx.states_list[4], capacity_values, strict=False)}
        roster = {s["id"]["index"]: v for s, v in zip(ctx.states_list[5], roster_values, strict=False)}
        error_keys = [o["id"]["key"] for o in ctx.outputs_list[2]]
        capacity_keys = [o["id"]["channel"] for o in ctx.outputs_list[3]]
        roster_keys = [o["id"]["index"] for o in ctx.outputs_list[4]]
        return save_view(
            cfg, base, filename, description, single, capacities, roster, lang, error_keys, capacity_keys, roster_keys
        )
