"""Each reviewer's cumulative dose over the run, one panel per policy, as a hand-written SVG.

No plotting library: the chart is a few polylines on shared axes, and an SVG diffs and renders
anywhere (GitHub shows it inline in docs/simulation.md).
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any

from wellbeing.simulation.records import ReviewerRecord, RunRecord

PANEL_W, PANEL_H = 360, 260
LEFT, TOP, GAP, BOTTOM = 56, 72, 24, 96
# Twelve colours distinguishable on white (Tableau's), reused beyond twelve reviewers.
COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#79706e",
    "#17becf",
    "#bcbd22",
)


def _nice_ceiling(value: float) -> float:
    """The next 1, 2 or 5 times a power of ten at or above `value` (axis tops read cleanly)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _points(record: ReviewerRecord, x: Any, y: Any) -> str:
    total, points = 0.0, [(record.start, 0.0)]
    for at, dose in record.exposures:
        total += dose
        points.append((at, total))
    return " ".join(f"{x(t):.1f},{y(d):.1f}" for t, d in points)


def _panel(run: RunRecord, summary: dict[str, Any], left: float, top_dose: float) -> list[str]:
    hours = run.horizon / 3600

    def x(seconds: float) -> float:
        return left + PANEL_W * seconds / run.horizon

    def y(dose: float) -> float:
        return TOP + PANEL_H * (1 - dose / top_dose)

    out = [
        f'<rect x="{left}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" fill="none"'
        ' stroke="#ccc"/>',
        f'<text x="{left}" y="{TOP - 24}" font-weight="bold">{escape(run.policy)}</text>',
        f'<text x="{left}" y="{TOP - 8}" font-size="11">peak/mean'
        f" {summary['peak_to_mean']:.2f} · gini {summary['gini']:.3f} · decided"
        f" {summary['items_decided']:,}</text>",
    ]
    for h in range(0, math.floor(hours) + 1, max(1, math.ceil(hours / 8))):
        out.append(
            f'<text x="{x(h * 3600):.1f}" y="{TOP + PANEL_H + 14}" font-size="10"'
            f' text-anchor="middle">{h}h</text>'
        )
    for n, record in enumerate(run.reviewers):
        dash = ' stroke-dasharray="4 3"' if record.low_moods else ""
        out.append(
            f'<polyline fill="none" stroke="{COLOURS[n % len(COLOURS)]}" stroke-width="1.4"{dash}'
            f' points="{_points(record, x, y)}"/>'
        )
    return out


def _axis(top_dose: float) -> list[str]:
    out = []
    for k in range(5):
        dose = top_dose * k / 4
        y = TOP + PANEL_H * (1 - k / 4)
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{dose:g}</text>'
        )
    out.append(
        f'<text x="14" y="{TOP + PANEL_H / 2}" font-size="11" text-anchor="middle"'
        f' transform="rotate(-90 14 {TOP + PANEL_H / 2})">cumulative dose (severe-minutes)</text>'
    )
    return out


def _legend(run: RunRecord, width: float) -> list[str]:
    out, y = [], TOP + PANEL_H + 40
    for n, record in enumerate(run.reviewers):
        x = LEFT + (n % 12) * 64
        row = y + 16 * (n // 12)
        out.append(
            f'<line x1="{x}" y1="{row - 4}" x2="{x + 16}" y2="{row - 4}"'
            f' stroke="{COLOURS[n % len(COLOURS)]}" stroke-width="2"/>'
            f'<text x="{x + 20}" y="{row}" font-size="10">{escape(record.id)}</text>'
        )
    out.append(
        f'<text x="{LEFT}" y="{y + 16 * (1 + (len(run.reviewers) - 1) // 12) + 8}"'
        ' font-size="10">dashed: reported a low mood (budgets halved for the day)</text>'
    )
    return out


def svg(runs: list[RunRecord], summaries: dict[str, dict[str, Any]], title: str) -> str:
    """The chart: shared y axis, so the policies compare at a glance."""
    top_dose = _nice_ceiling(max((r.dose for run in runs for r in run.reviewers), default=1.0))
    width = LEFT + len(runs) * (PANEL_W + GAP)
    height = TOP + PANEL_H + BOTTOM
    body = [f'<text x="{LEFT}" y="20" font-size="14">{escape(title)}</text>', *_axis(top_dose)]
    for n, run in enumerate(runs):
        body += _panel(run, summaries[run.policy], LEFT + n * (PANEL_W + GAP), top_dose)
    body += _legend(runs[0], width) if runs else []
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif">\n'
        '<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def write(
    path: Path, runs: list[RunRecord], summaries: dict[str, dict[str, Any]], title: str
) -> None:
    path.write_text(svg(runs, summaries, title))
