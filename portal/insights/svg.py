"""Charts as inline SVG, drawn on the server: readable without JavaScript, no chart library.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (its text alternative;
the page also shows the same numbers in a table beside it). Colours and line styles come from
classes in ``static/css/portal.css`` — the Content-Security-Policy allows no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36
SERIES_CLASSES = 6  # chart-series-0 … chart-series-5
_ids = count(1)


def _nice_max(value: float) -> float:
    """A round upper bound for the value axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _frame(title: str, desc: str, body: list[str], legend: Sequence[str] = ()) -> Markup:
    chart_id = f"chart-{next(_ids)}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ]
    if legend:
        items = "".join(
            f'<li><span class="chart-key chart-series-{i % SERIES_CLASSES}" aria-hidden="true">'
            f"</span>{escape(name)}</li>"
            for i, name in enumerate(legend)
        )
        parts.append(f'<ul class="chart-legend" aria-hidden="true">{items}</ul>')
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())


def _axes(top: float, labels: Sequence[str], percent: bool) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    body = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        text = f"{_fmt(value * 100)} %" if percent else _fmt(value)
        body.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(text)}</text>"
        )
    n = len(labels)
    every = max(1, -(-n // 8))  # at most eight labels under the axis
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = _x(i, n)
        body.append(
            f'<text class="chart-label" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return body


def _x(i: int, n: int) -> float:
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + plot_w * (i + 0.5) / max(n, 1)


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * (value / top if top else 0)


def line_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
) -> Markup:
    """One line per series over the same points (``labels``), with a legend."""
    top = _nice_max(max((v for _n, values in series for v in values), default=0))
    body = _axes(top, labels, percent=False)
    n = len(labels)
    for i, (_name, values) in enumerate(series):
        points = " ".join(f"{_x(j, n):.1f},{_y(v, top):.1f}" for j, v in enumerate(values))
        body.append(
            f'<polyline class="chart-line chart-series-{i % SERIES_CLASSES}" points="{points}"/>'
        )
    return _frame(title, desc, body, [name for name, _values in series])


def bar_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    percent: bool = False,
) -> Markup:
    """One bar per label; a missing value (None) leaves a gap, never a zero-height bar."""
    top = 1.0 if percent else _nice_max(max((v or 0 for v in values), default=0))
    body = _axes(top, labels, percent=percent)
    n = len(labels)
    width = (WIDTH - LEFT - RIGHT) / max(n, 1) * 0.7
    for i, value in enumerate(values):
        if value is None:
            continue
        y = _y(value, top)
        body.append(
            f'<rect class="chart-bar" x="{_x(i, n) - width / 2:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{HEIGHT - BOTTOM - y:.1f}"/>'
        )
    return _frame(title, desc, body)
