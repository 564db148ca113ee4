"""Small inline SVG charts for one-page sheets: no script, prints crisply, opens offline."""

from __future__ import annotations

import math

from sim.outputs.parts.html import esc, finite

PALETTE = ("#57606a", "#0b5cad", "#1a7f37", "#b3261e", "#9a6700", "#6f42c1")


def bar_chart(
    title: str,
    labels: list[str],
    means: list[float],
    lows: list[float],
    highs: list[float],
    texts: list[str],
    *,
    width: int = 250,
    bar: int = 16,
) -> str:
    """Horizontal bars (one per scenario) with 95 % CI whiskers and the value written next to each."""
    label_w, value_w, top = min(92, width // 3), 44, 20
    plot_w = width - label_w - value_w
    height = top + len(labels) * (bar + 6) + 6
    values = [v for v in [*means, *highs] if finite(v)]
    hi = max(values + [0.0])
    lo = min(values + [0.0])
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return label_w + (v - lo) / span * plot_w

    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" class="bars">',
        f'<text x="0" y="12" font-size="9" font-weight="600">{esc(title)}</text>',
        f'<line x1="{x(0):.1f}" y1="{top - 2}" x2="{x(0):.1f}" y2="{height - 4}" stroke="#8c959f" stroke-width="0.8"/>',
    ]
    for i, (label, mean, low, high, text) in enumerate(zip(labels, means, lows, highs, texts, strict=False)):
        y = top + i * (bar + 6)
        colour = PALETTE[i % len(PALETTE)]
        room = max(6, label_w // 6)
        short = label if len(label) <= room else "…" + label[-(room - 1) :]
        parts.append(f'<text x="0" y="{y + bar - 4}" font-size="9"><title>{esc(label)}</title>{esc(short)}</text>')
        if finite(mean):
            x0, x1 = sorted((x(0), x(mean)))
            parts.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 0.8):.1f}" height="{bar}" '
                f'fill="{colour}" fill-opacity="0.85"/>'
            )
            if finite(low) and finite(high):
                yc = y + bar / 2
                parts.append(
                    f'<line x1="{x(low):.1f}" y1="{yc}" x2="{x(high):.1f}" y2="{yc}" stroke="#1b1f23" '
                    f'stroke-width="1"/>'
                )
                for edge in (low, high):
                    parts.append(
                        f'<line x1="{x(edge):.1f}" y1="{yc - 4}" x2="{x(edge):.1f}" y2="{yc + 4}" '
                        f'stroke="#1b1f23" stroke-width="1"/>'
                    )
        parts.append(f'<text x="{width - value_w + 4}" y="{y + bar - 4}" font-size="9">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def nan_to_none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
