"""Shared pieces of the printable pages (exercise script, research report, comparison sheet).

``html``: the self-contained page shell, print CSS, number formatting, plotly embedding
(plotly.js inlined once, so a page opens without network access). ``words``: channels,
outage targets, incident types and procedures described in Dutch and English. ``svg``:
small inline bar charts for one-page sheets.
"""
