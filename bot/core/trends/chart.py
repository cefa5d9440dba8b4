"""A trend as a PNG: stacked bars of industry papers per week by company, the lab's notes per
week as a line on a second axis.

Drawn for a phone: a portrait-ish 1200 x 1050 picture with large type, at most six bar colours
(five companies and grey "Other", from the Okabe-Ito palette that colour-blind readers can tell
apart), a dark line for notes, and the legend under the plot where it never hides a bar.

matplotlib is an optional extra (``scoopwatch[charts]``). It is imported only here, when a
chart is drawn, and only its Agg canvas is used: no pyplot, no global backend, no display, so
a chart can be drawn on a headless server or in a worker thread.
"""

from __future__ import annotations

import io
import math
from datetime import date
from typing import Any

from bot.core.trends.data import OTHER, Trend
from bot.errors import ScoopwatchError

INSTALL_HINT = ("Trend charts need matplotlib, which is not installed: "
                "install scoopwatch[charts] (pip install 'scoopwatch[charts]').")
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 7.0, 150
WIDTH_PX, HEIGHT_PX = int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI)
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")
OTHER_COLOUR = "#B0B0B0"
NOTES_COLOUR = "#222222"
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, LEGEND_SIZE = 22, 18, 16, 16
MAX_TICKS = 6
Y_STEPS = 4


class ChartsUnavailable(ScoopwatchError):
    """matplotlib is missing: ``str()`` is the sentence that says how to install it."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def _matplotlib() -> tuple[Any, Any, Any, Any]:
    """``Figure``, the Agg canvas and the two path effects the notes line uses, or
    :class:`ChartsUnavailable`."""
    try:
        import matplotlib  # noqa: F401  (the package itself: what an install provides)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patheffects import Normal, withStroke
    except ImportError:
        raise ChartsUnavailable() from None
    return Figure, FigureCanvasAgg, withStroke, Normal


def charts_available() -> bool:
    """Whether a chart can be drawn here (matplotlib importable)."""
    try:
        _matplotlib()
    except ChartsUnavailable:
        return False
    return True


def render_png(trend: Trend) -> bytes:
    """The chart of ``trend`` as PNG bytes, :data:`WIDTH_PX` x :data:`HEIGHT_PX`."""
    figure_class, canvas_class, stroke, normal = _matplotlib()
    fig = figure_class(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    canvas_class(fig)
    ax = fig.add_subplot()
    weeks = trend.window.weeks
    xs = list(range(weeks))
    bottom = [0] * weeks
    colours = iter(COLOURS)
    handles = []
    for company, counts in trend.series.items():
        colour = OTHER_COLOUR if company == OTHER else next(colours)
        bars = ax.bar(xs, counts, bottom=bottom, width=0.8, color=colour,
                      label=_short(company), linewidth=0)
        handles.append(bars)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    _scale(ax, max(bottom))
    ax.set_ylabel("Industry papers", fontsize=LABEL_SIZE)
    step = max(1, math.ceil(weeks / MAX_TICKS))
    ticks = list(range(weeks - 1, -1, -step))[::-1]  # always label the current week
    ax.set_xticks(ticks, [_week_label(trend, i) for i in ticks])
    ax.set_xlim(-0.6, weeks - 0.4)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.spines[["top"]].set_visible(False)
    ax.grid(axis="y", color="#DDDDDD", linewidth=1)
    ax.set_axisbelow(True)

    notes_ax = ax.twinx()
    # A white rim keeps the line readable where it crosses a bar of a dark colour.
    line = notes_ax.plot(xs, trend.notes, color=NOTES_COLOUR, linewidth=2.5, marker="o",
                         markersize=7, markerfacecolor="white", markeredgewidth=2,
                         label="Lab notes",
                         path_effects=[stroke(linewidth=5, foreground="white"), normal()])[0]
    _scale(notes_ax, max(trend.notes))
    notes_ax.set_ylabel("Lab notes", fontsize=LABEL_SIZE)
    notes_ax.tick_params(labelsize=TICK_SIZE)
    notes_ax.spines[["top"]].set_visible(False)

    fig.suptitle(trend.title, fontsize=TITLE_SIZE, fontweight="bold")
    ax.set_title(f"per week, {_day(trend.window.start)} to {_day(trend.window.today)}",
                 fontsize=LABEL_SIZE,
                 color="#444444")
    ax.set_xlabel("Week starting", fontsize=LABEL_SIZE)
    if not trend.series:
        ax.text(0.5, 0.5, "No industry papers matched", transform=ax.transAxes,
                ha="center", va="center", fontsize=LABEL_SIZE, color="#666666")
    fig.legend([*handles, line], [*(h.get_label() for h in handles), line.get_label()],
               loc="outside lower center", ncols=min(3, len(handles) + 1),
               fontsize=LEGEND_SIZE, frameon=False)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _scale(axis: Any, highest: int) -> None:
    """Whole-number ticks in :data:`Y_STEPS` equal steps on both axes, so the grid lines of
    papers and notes coincide (a note point on a grid line reads off either axis)."""
    step = max(1, math.ceil(highest / Y_STEPS))
    axis.set_yticks(range(0, step * Y_STEPS + 1, step))
    axis.set_ylim(0, step * Y_STEPS * 1.08)


def _week_label(trend: Trend, index: int) -> str:
    """A week by its Monday; the running week as "this week" (its bars are still growing)."""
    if index == trend.window.weeks - 1:
        return "this week"
    monday = trend.window.mondays[index]
    return f"{monday.day} {monday:%b}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _short(name: str, limit: int = 22) -> str:
    """Legend labels stay on one line of a phone screen."""
    flat = " ".join(name.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
