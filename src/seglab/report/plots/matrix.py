"""The Boston matrix chart (labels placed apart) and the ranking by attractiveness."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from seglab import i18n
from seglab.i18n import _
from seglab.report.plots.style import QUADRANT_COLORS, segment_color
from seglab.vocabulary import segment_code, segment_label


def _overlap(a: tuple, b: tuple) -> float:
    """Overlap area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def place_labels(
    xy: np.ndarray,
    radius: np.ndarray,
    sizes: list[tuple[float, float]],
    bounds: tuple[float, float, float, float] = (-0.08, -0.08, 1.08, 1.08),
) -> list[tuple[float, float]]:
    """Centres for label boxes (width, height in data units) next to bubbles (centres ``xy``,
    radii ``radius``), so that no label covers another label or any bubble where avoidable.

    Greedy, largest bubble first: each label tries positions above, below, right and left of
    its bubble at growing distances and takes the first free one (else the least covered).
    """
    bubbles = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(xy, radius, strict=True)]
    placed: list[tuple] = []
    centres: list[tuple[float, float]] = [(0.0, 0.0)] * len(xy)
    for i in np.argsort(-radius, kind="stable"):
        (x, y), r, (w, h) = xy[i], radius[i], sizes[i]
        best, best_cost = None, np.inf
        for k, gap in enumerate((0.01, 0.04, 0.08, 0.13)):
            for dx, dy in (
                (0, r + gap + h / 2),
                (0, -(r + gap + h / 2)),
                (r + gap + w / 2, 0),
                (-(r + gap + w / 2), 0),
                (r * 0.7 + gap + w / 2, r * 0.7 + gap + h / 2),
                (-(r * 0.7 + gap + w / 2), r * 0.7 + gap + h / 2),
                (r * 0.7 + gap + w / 2, -(r * 0.7 + gap + h / 2)),
                (-(r * 0.7 + gap + w / 2), -(r * 0.7 + gap + h / 2)),
            ):
                cx, cy = x + dx, y + dy
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                cost = sum(_overlap(box, b) for b in placed) + sum(_overlap(box, b) for b in bubbles)
                outside = (
                    max(bounds[0] - box[0], 0)
                    + max(box[2] - bounds[2], 0)
                    + max(bounds[1] - box[1], 0)
                    + max(box[3] - bounds[3], 0)
                )
                cost += outside * 10 + 1e-4 * k  # nearer positions win ties
                if cost < best_cost:
                    best, best_cost = (cx, cy), cost
            if best_cost < 1e-3:
                break
        centres[i] = best
        placed.append((best[0] - w / 2, best[1] - h / 2, best[0] + w / 2, best[1] + h / 2))
    return centres


#: How the matrix is drawn for a page (``wide``) and for a phone (taller than wide in all, larger
#: type: bubbles named by their segment code, with a key under the matrix).
_LOOKS = {
    "wide": {"figsize": (10, 8), "quadrant": 15, "label": 10, "bubble": 1.0, "wrap": 0},
    "phone": {"figsize": (4.6, 8.2), "quadrant": 11, "label": 11, "bubble": 0.45, "wrap": 34},
}


def _quadrants(ax, threshold: float, fontsize: float) -> None:
    """The four quadrants, tinted and named in their corners, and the threshold lines."""
    for (x0, x1, y0, y1), name in (
        ((threshold, 1.08, threshold, 1.08), "Target"),
        ((-0.08, threshold, threshold, 1.08), "Convert"),
        ((threshold, 1.08, -0.08, threshold), "Grow"),
        ((-0.08, threshold, -0.08, threshold), "Ignore"),
    ):
        ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, color=QUADRANT_COLORS[name], alpha=0.07, lw=0))
        right, top = x0 >= threshold, y0 >= threshold
        ax.text(
            x1 - 0.015 if right else x0 + 0.015,
            y1 - 0.02 if top else y0 + 0.02,
            i18n.term(name).upper(),
            ha="right" if right else "left",
            va="top" if top else "bottom",
            fontsize=fontsize,
            fontweight="bold",
            color=QUADRANT_COLORS[name],
            alpha=0.8,
        )
    ax.axvline(threshold, color="#666666", lw=1)
    ax.axhline(threshold, color="#666666", lw=1)


def _key(ax, segments, texts: list[str], fontsize: float) -> None:
    """The phone's key under the matrix (``ax``: its own axes): each segment's colour, code and
    name, and its value under them.
    """
    from matplotlib.lines import Line2D

    ax.axis("off")
    handles = [Line2D([], [], ls="", marker="o", markersize=10, color=segment_color(s), alpha=0.75) for s in segments]
    ax.legend(
        handles,
        texts,
        loc="upper center",
        fontsize=fontsize,
        frameon=False,
        handletextpad=0.3,
    )


def _wrapped(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters (0: as it is)."""
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.split("\n")) if width else text


def boston_chart(bm: pd.DataFrame, threshold: float, fragile: Iterable[int] = (), phone: bool = False) -> Figure:
    """The Boston matrix: ability to win (x) vs attractiveness (y), bubble = net value; segments
    whose quadrant is fragile under perturbed weights get a dashed outline and say so.
    ``phone``: drawn for a small screen (narrower, larger type; the bubbles carry their segment
    code and a key under the matrix names them), the same matrix.
    """
    look = _LOOKS["phone" if phone else "wide"]
    fragile = set(fragile)
    if phone:  # the matrix, and its key under it
        fig, (ax, key) = plt.subplots(2, 1, figsize=look["figsize"], height_ratios=(4.4, 2.6))
        fig.subplots_adjust(hspace=0.5)
    else:
        fig, ax = plt.subplots(figsize=look["figsize"])
    _quadrants(ax, threshold, look["quadrant"])
    known = bm["revenue"].notna().any()
    what = _("net value") if known else _("customers")
    value = (bm["revenue"] if known else bm["basis_value"]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    size = look["bubble"] * (500 + 4000 * value / value.max() if value.max() > 0 else np.full(len(bm), 600.0))
    is_fragile = bm["segment"].isin(fragile).to_numpy()
    ax.scatter(
        bm["ability_to_win"],
        bm["attractiveness"],
        s=size,
        c=[segment_color(s) for s in bm["segment"]],
        alpha=0.75,
        edgecolor=np.where(is_fragile, "#333333", "white"),
        linewidth=np.where(is_fragile, 2.0, 1.5),
        linestyle=[(0, (3, 2)) if f else "solid" for f in is_fragile],
        zorder=3,
    )
    xy = bm[["ability_to_win", "attractiveness"]].to_numpy(dtype=float)
    # sizes in data units: the axes span 1.16 units over their share of the figure's width and height
    box = ax.get_position()
    per_in_x, per_in_y = 1.16 / (fig.get_figwidth() * box.width), 1.16 / (fig.get_figheight() * box.height)
    radius = np.sqrt(size) / 2 / 72 * per_in_y  # marker size is in points^2
    texts = []
    for _i, r in bm.iterrows():
        extra = _(" · ") + _("fragile placement") if r["segment"] in fragile else ""
        amount = i18n.money(r["revenue"]) if known else i18n.number(r["basis_value"])
        texts.append(f"{segment_label(r['segment'], r['persona'])}\n{amount} {what}{extra}")
    shown = [segment_code(s) for s in bm["segment"]] if phone else texts
    em = 0.085 * look["label"] / 10  # a character's width in inches, about
    lines = 1 if phone else 2
    boxes = [
        (max(len(line) for line in t.split("\n")) * em * per_in_x + 0.02, lines * 0.2 * per_in_y + 0.015) for t in shown
    ]
    centres = place_labels(xy, radius, boxes)
    for (x, y), (lx, ly), t in zip(xy, centres, shown, strict=True):
        ax.annotate(
            t,
            (x, y),
            (lx, ly),
            ha="center",
            va="center",
            fontsize=look["label"],
            fontweight="bold" if phone else "normal",
            zorder=4,
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlabel(_wrapped(_("ability to win (0 = weakest segment, 1 = strongest)"), look["wrap"]))
    ax.set_ylabel(_wrapped(_("attractiveness (0 = least, 1 = most attractive)"), look["wrap"]))
    title = _("Boston matrix: which segments to Target, Convert, Grow or Ignore")
    note = (
        _("(bubble area = %(what)s of the segment; dashed = fragile placement)")
        if fragile
        else _("(bubble area = %(what)s of the segment)")
    )
    ax.set_title(
        _wrapped(title + "\n" + note % {"what": what}, look["wrap"] + 8 if phone else 0),
        fontsize=11.5 if phone else None,
    )
    if phone:
        _key(key, bm["segment"], texts, 11)
    return fig


def attractiveness_ranking(bm: pd.DataFrame, size_only: bool = False) -> Figure:
    """When ability to win is not measured: the segments ranked by attractiveness (bars), with the
    threshold; no quadrant is drawn, because half of the matrix would be invented. ``size_only``:
    attractiveness is size alone, and the title says the ranking is by size only.
    """
    b = bm.sort_values("attractiveness", kind="mergesort")
    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.6 * len(b)))
    labels = [segment_label(s, p) for s, p in zip(b["segment"], b["persona"], strict=True)]
    ax.barh(labels, b["attractiveness"], color=[segment_color(s) for s in b["segment"]])
    for y, v in enumerate(b["attractiveness"]):
        ax.text(v, y, f"  {i18n.number(v, 2)}", va="center", fontsize=10)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel(_("attractiveness (0 = least, 1 = most attractive)"))
    title = _("Segments ranked by size only") if size_only else _("Segments ranked by attractiveness")
    ax.set_title(title + "\n" + _("(ability to win is not measured: no quadrant is placed)"))
    return fig
