"""The figures of stage 06: segments over time, migration, and the flows between periods."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from seglab import i18n
from seglab.i18n import N_, _
from seglab.report.plots.style import Numbers, money_unit, segment_color, segment_marker
from seglab.vocabulary import segment_label


def to_hex(color) -> str:
    """A matplotlib colour as #rrggbb (for HTML)."""
    from matplotlib.colors import to_hex as _to_hex

    return _to_hex(color)


def _period_labels(periods, period: str = "quarter", calendar: str = "as_of") -> list[str]:
    """Each period by its name when the reader reads the calendar the periods were cut in
    (``monitoring.calendar: jalali`` read in the Jalali calendar: پاییز ۱۴۰۲, the season or month
    that ends on the period's last day, exactly); else by its last day in the reader's calendar
    (ISO dates in English): a period is never named after a season or month it only mostly covers.
    """
    if calendar == "jalali" and i18n.reader().calendar_used == "jalali":
        name = i18n.season if period == "quarter" else i18n.month
        return [name(p) for p in periods]
    return [i18n.date(p) for p in periods]


def _period_axis(period: str, calendar: str) -> str:
    """The label of the periods' axis: the period's word under names, "... ending on" under dates."""
    if calendar == "jalali" and i18n.reader().calendar_used == "jalali":
        return _(PERIOD_WORD[period])
    return _(PERIOD_ENDING[period])


def monitoring_over_time(
    size_table: pd.DataFrame, names: dict[int, str], trend: dict[int, str], period: str, growth: dict | None = None
) -> Figure:
    """Active customers, each segment's share of the active customers and net value per period,
    one line per segment (its colour), and a legend with the growth flag of each segment, two
    panels a row; the periods growth compares (``growth``: :attr:`seglab.monitoring.Growth.info`,
    with the calendar of the periods) shaded. :func:`monitoring_over_time_phone`: the same, for phones.
    """
    return _over_time(size_table, names, trend, period, growth or {}, phone=False)


def monitoring_over_time_phone(
    size_table: pd.DataFrame, names: dict[int, str], trend: dict[int, str], period: str, growth: dict | None = None
) -> Figure:
    """:func:`monitoring_over_time` drawn for a small screen: the three panels stacked, one a row,
    narrow and tall, under the legend (readable at 400 px).
    """
    return _over_time(size_table, names, trend, period, growth or {}, phone=True)


def _over_time(
    size_table: pd.DataFrame, names: dict[int, str], trend: dict[int, str], period: str, growth: dict, phone: bool
) -> Figure:
    calendar = (growth or {}).get("calendar", "as_of")
    if phone:
        # the key first: on a phone the three charts are read after it, not one screen before it
        fig, grid = plt.subplots(4, 1, figsize=(4.3, 15.3), height_ratios=(0.4, 1, 1, 1))
        axes, key = list(grid[1:]), grid[0]
    else:
        fig, grid = plt.subplots(2, 2, figsize=(13, 10))
        axes, key = [grid[0, 0], grid[0, 1], grid[1, 0]], grid[1, 1]
    wrap = (lambda t: textwrap.fill(t, 32)) if phone else str
    periods = sorted(size_table["period_end"].unique())
    x = np.arange(len(periods))
    for seg, g in size_table.groupby("segment"):
        g = g.set_index("period_end").reindex(periods)
        label = f"{segment_label(seg, names.get(seg, ''))} ({i18n.term(trend.get(seg, 'unknown'))})"
        style = {
            "color": segment_color(seg),
            "marker": segment_marker(seg),
            "markersize": 7,
            "lw": 2.2 if trend.get(seg) in ("growing", "shrinking") else 1.4,
        }
        axes[0].plot(x, g["customers"], label=label, **style)
        axes[1].plot(x, 100 * g["customer_share"], **style)
        axes[2].plot(x, g["value"], **style)
    _shade_compared(axes, periods, growth or {})
    ticks = {"rotation": 30, "ha": "right", "fontsize": 10 if phone else 9}
    for ax in axes:
        ax.set_xticks(x, _period_labels(periods, period, calendar), **ticks)
        ax.set_xlabel(_period_axis(period, calendar))
    axes[0].set_ylabel(wrap(_("active customers (bought in the period)")))
    axes[0].set_title(_(ACTIVE_PER[period]))
    axes[1].set_ylabel(wrap(_("share of the active customers (%)")))
    top = size_table["customer_share"].max()
    axes[1].set_ylim(0, 118 * (top if top > 0 else 0.01))  # room above the lines for the labels of the shading
    axes[1].set_title(_("Share of the active customers\n(what growth measures)"))
    axes[2].set_ylabel(wrap(_("net value in the period (%(unit)s)") % {"unit": money_unit()}))
    for ax in axes:  # the reader's digits
        ax.yaxis.set_major_formatter(Numbers())
    axes[2].set_title(_(VALUE_PER[period]))
    key.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    key.legend(handles, [textwrap.fill(t, 40) for t in labels], loc="center", fontsize=10.5, frameon=False)
    fig.subplots_adjust(wspace=0.3, hspace=0.95 if phone else 0.6)  # room for two-line (Jalali) period labels
    return fig


def _shade_compared(axes, periods: list, growth: dict) -> None:
    """Shade the periods growth compares: the earlier ones (before) light, the recent ones (now) darker."""
    if not growth.get("compared"):
        return
    where = {pd.Timestamp(p).date().isoformat(): i for i, p in enumerate(periods)}
    for key, alpha, text in (("base", 0.08, _("before")), ("recent", 0.16, _("now"))):
        idx = [where[p] for p in growth.get(key, []) if p in where]
        if not idx:
            continue
        for ax in axes:
            ax.axvspan(min(idx) - 0.4, max(idx) + 0.4, color="#777777", alpha=alpha, lw=0)
        axes[1].text(
            (min(idx) + max(idx)) / 2,
            0.98,
            text,
            transform=axes[1].get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8.5,
            color="#555555",
        )


def migration_heatmap(counts: pd.DataFrame, shares: pd.DataFrame, names: dict[int, str]) -> Figure:
    """Where each segment's customers are in the next period (row shares, counts in brackets),
    all consecutive periods together.
    """

    def label(state: str, row: bool) -> str:
        if state.isdigit():
            return segment_label(state, names.get(int(state), ""))
        return _("not active before\n(joins or returns)") if row else _("not active next")

    fig, ax = plt.subplots(figsize=(11, 1.6 + 0.75 * len(shares)))
    annot = np.array(
        [
            [f"{i18n.percent(s)}\n({i18n.number(c)})" if c else "" for s, c in zip(srow, crow, strict=True)]
            for srow, crow in zip(shares.fillna(0).to_numpy(), counts.to_numpy(), strict=True)
        ]
    )
    import seaborn as sns  # (loaded when a heatmap is first drawn)

    sns.heatmap(
        100 * shares.fillna(0),
        annot=annot,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=100,
        ax=ax,
        cbar_kws={"label": _("share of the row (%)")},
        annot_kws={"fontsize": 9},
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_yticklabels([label(s, True) for s in shares.index], rotation=0)
    ax.set_xticklabels([label(s, False) for s in shares.columns], rotation=20, ha="right")
    ax.set_ylabel(_("segment in a period"))
    ax.set_xlabel(_("segment in the next period"))
    ax.set_title(_("Migration between consecutive periods (customers; rows sum to 100 %)"))
    return fig


def _band(ax, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float], color) -> None:
    """A flow band from the interval y0 at x0 to y1 at x1 (cubic curves)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[0]),
        (xm, y0[0]),
        (xm, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (xm, y1[1]),
        (xm, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [
        MPath.MOVETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.LINETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CLOSEPOLY,
    ]
    ax.add_patch(PathPatch(MPath(verts, codes), facecolor=color, alpha=0.35, lw=0))


def flow_chart(assigned: pd.DataFrame, names: dict[int, str], period: str, calendar: str = "as_of") -> Figure:
    """Segments period after period (stacked bars of active customers) and the customers flowing
    between consecutive periods (bands coloured by the segment they come from). The part of a
    bar with no band on its left joined (or came back) in that period; with none on its right,
    it is not active in the next period. ``calendar``: of the periods (``monitoring.json``).
    """
    periods = sorted(assigned["period_end"].unique())
    segs = sorted(assigned["segment"].unique())
    counts = (
        assigned.groupby(["period_end", "segment"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=periods, columns=segs, fill_value=0)
    )
    gap = 0.02 * counts.sum(axis=1).max()
    width = 0.18
    fig, ax = plt.subplots(figsize=(max(10, 1.5 * len(periods) + 3), 6.5))
    bottoms = {}
    for i, p in enumerate(periods):
        y = 0.0
        for s in segs:
            h = counts.loc[p, s]
            bottoms[(i, s)] = y
            ax.add_patch(plt.Rectangle((i - width / 2, y), width, h, color=segment_color(s), lw=0))
            y += h + gap
    for i in range(len(periods) - 1):
        a = assigned[assigned["period_end"] == periods[i]][["customer_id", "segment"]]
        b = assigned[assigned["period_end"] == periods[i + 1]][["customer_id", "segment"]]
        moves = a.merge(b, on="customer_id", suffixes=("_a", "_b")).groupby(["segment_a", "segment_b"]).size()
        out_off = {s: bottoms[(i, s)] for s in segs}
        in_off = {s: bottoms[(i + 1, s)] for s in segs}
        for (sa, sb), n in moves.items():  # sorted by from, then to: bands do not cross within a bar
            _band(
                ax,
                i + width / 2,
                i + 1 - width / 2,
                (out_off[sa], out_off[sa] + n),
                (in_off[sb], in_off[sb] + n),
                segment_color(sa),
            )
            out_off[sa] += n
            in_off[sb] += n
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ax.set_ylim(0, (counts.sum(axis=1) + gap * len(segs)).max() * 1.02)
    ax.set_xticks(range(len(periods)), _period_labels(periods, period, calendar), fontsize=9.5)
    ax.set_xlabel(_period_axis(period, calendar))
    ax.set_ylabel(_("active customers (stacked by segment)"))
    ax.yaxis.set_major_formatter(Numbers())
    ax.grid(axis="x", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=segment_color(s)) for s in segs]
    ax.legend(
        handles,
        [segment_label(s, names.get(s, "")) for s in segs],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=9.5,
        frameon=False,
    )
    ax.set_title(
        _(FLOWING[period]) + "\n" + _("(bands: customers active in both periods; coloured by where they come from)")
    )
    return fig


#: Period wording of the monitoring charts (month or quarter).
PERIOD_WORD = {"month": N_("month"), "quarter": N_("quarter")}
PERIOD_ENDING = {"month": N_("month ending on"), "quarter": N_("quarter ending on")}
ACTIVE_PER = {
    "month": N_("Active customers per segment and month"),
    "quarter": N_("Active customers per segment and quarter"),
}
VALUE_PER = {"month": N_("Net value per segment and month"), "quarter": N_("Net value per segment and quarter")}
FLOWING = {
    "month": N_("Customers flowing between segments, month to month"),
    "quarter": N_("Customers flowing between segments, quarter to quarter"),
}
