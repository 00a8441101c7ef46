"""k-means made visible: the assignment and update steps on two features, one picture per step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from seglab import i18n
from seglab_workshop.messages import _

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def kmeans_steps(x: np.ndarray, k: int, seed: int, iterations: int = 4) -> list[dict]:
    """Lloyd's k-means from ``k`` seeded random customers as the first centroids: for each
    iteration, the centroids used, the assignment they give (0-based) and the moved centroids.
    """
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)].astype(float)
    out = []
    for _i in range(iterations):
        labels = ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        moved = np.array([x[labels == j].mean(axis=0) if (labels == j).any() else centroids[j] for j in range(k)])
        inertia = float(((x - moved[labels]) ** 2).sum())
        out.append({"centroids": centroids, "labels": labels, "moved": moved, "inertia": inertia})
        centroids = moved
    return out


#: Starts a right-to-left text in a figure: matplotlib takes a text's direction from its first
#: letter, so a Persian title that starts with "k-means" would otherwise be laid out left to right.
RLM = "\u200f"


def steps_figure(x: np.ndarray, steps: list[dict], axes_labels: tuple[str, str] | None = None) -> Figure:
    """One panel per iteration: customers coloured by their centroid, the centroids (×) and
    where the update step moves them (arrows), with the within-segment sum of squares; in the
    reader's language (``axes_labels`` default: the two features of W3, logged and scaled).
    """
    import matplotlib.pyplot as plt

    from seglab.report.plots import segment_color

    lead = RLM if i18n.reader().rtl else ""
    axes_labels = axes_labels or (_("log frequency (scaled)"), _("log value (scaled)"))
    fig, axes = plt.subplots(1, len(steps), figsize=(4.2 * len(steps), 4.2), sharex=True, sharey=True)
    for i, (ax, step) in enumerate(zip(np.atleast_1d(axes), steps, strict=True)):
        colors = [segment_color(j + 1) for j in step["labels"]]
        ax.scatter(x[:, 0], x[:, 1], s=6, c=colors, alpha=0.5)
        for j, (c, m) in enumerate(zip(step["centroids"], step["moved"], strict=True)):
            ax.scatter(*c, marker="X", s=180, color=segment_color(j + 1), edgecolor="black", zorder=3)
            ax.annotate("", m, c, arrowprops={"arrowstyle": "->", "lw": 1.6, "color": "black"})
        ax.set_title(
            lead
            + _("Step %(n)s: sum of squares %(inertia)s")
            % {"n": i18n.number(i + 1), "inertia": i18n.number(step["inertia"])},
            fontsize=11,
        )
        ax.set_xlabel(axes_labels[0])
    np.atleast_1d(axes)[0].set_ylabel(axes_labels[1])
    fig.suptitle(lead + _("k-means: assign each customer to the nearest centroid (×), then move each centroid (→)"))
    fig.subplots_adjust(top=0.8)  # the panels' titles below the figure's
    return fig


def teaching_points(x: np.ndarray, step: dict, n: int = 8) -> np.ndarray:
    """``n`` customers for assigning by hand at ``step``: half of them (as many as there are)
    change centroid when the centroids move, so that assigning to the moved centroids instead of
    the given ones gives another answer; the rest taken in order. Row numbers of ``x``.
    """
    given = ((x[:, None, :] - step["centroids"][None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    after = ((x[:, None, :] - step["moved"][None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    change = np.flatnonzero(given != after)[: n // 2]
    rest = np.setdiff1d(np.arange(len(x)), change)[: n - len(change)]
    return np.sort(np.concatenate([change, rest]))
