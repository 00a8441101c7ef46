"""Figures for the reports: one seaborn theme, one colour per segment everywhere.

Every function returns a matplotlib Figure (titled, labelled axes with units);
:func:`save` writes it as PNG under the run's figures folder.
"""

from __future__ import annotations

import base64
import os
import pickle
import textwrap
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, ScalarFormatter

from seglab import i18n
from seglab.i18n import N_, _
from seglab.paths import FIGURE_QUEUE_ENV
from seglab.vocabulary import QUADRANTS, segment_code, segment_label

# Okabe & Ito's colour-blind-safe palette (the eight colours told apart with any colour vision),
# ordered so that neighbouring segments differ in hue and lightness (blue, orange, green, purple,
# sky, vermillion, black, yellow), then Paul Tol's "muted" colours for segments 9 and up. Lines
# carry a marker per segment too (SEGMENT_MARKERS), so no chart relies on colour alone.
PALETTE = [
    to_rgb(c)
    for c in (
        "#0072b2",
        "#e69f00",
        "#009e73",
        "#cc79a7",
        "#56b4e9",
        "#d55e00",
        "#000000",
        "#f0e442",
        "#332288",
        "#ddcc77",
        "#117733",
        "#882255",
        "#44aa99",
        "#999933",
        "#aa4499",
        "#88ccee",
    )
]
SEGMENT_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: seaborn's theme (style "whitegrid", context "notebook", font scale 1.05) as matplotlib settings
THEME_RC = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12.6,
    "axes.linewidth": 1.25,
    "axes.titlesize": 12.6,
    "axes.prop_cycle": plt.cycler(
        color=[
            "#4c72b0",
            "#dd8452",
            "#55a868",
            "#c44e52",
            "#8172b3",
            "#937860",
            "#da8bc3",
            "#8c8c8c",
            "#ccb974",
            "#64b5cd",
        ]
    ),
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.6,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 11.55,
    "legend.title_fontsize": 12.6,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11.55,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 11.55,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}
QUADRANT_COLORS = dict(zip(QUADRANTS, ("#1b9e77", "#d95f02", "#7570b3", "#999999"), strict=True))


def theme() -> None:
    """The one theme of all seglab figures; for a Persian or Arabic reader, the embedded
    Vazirmatn font first (it has every Persian and Arabic letter; matplotlib shapes and orders
    right-to-left text itself).
    """
    plt.rcParams.update(THEME_RC)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "savefig.bbox": "tight", "axes.titleweight": "bold"})
    # names and values from data or parameters are text, never TeX: "$\undefined$ fans" or "$5 and $10"
    plt.rcParams["text.parse_math"] = False
    if i18n.reader().rtl:
        register_fonts()
        plt.rcParams["font.sans-serif"] = [i18n.FONT_FAMILY, *THEME_RC["font.sans-serif"]]


def register_fonts() -> None:
    """Make the embedded font known to matplotlib in this process (once)."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for key in ("regular", "bold"):
        path = str(i18n.font_files()[key])
        if path not in known:
            font_manager.fontManager.addfont(path)


class Numbers(Formatter):
    """Tick labels as numbers, percentages or amounts in the reader's digits and separators
    (picklable: figures travel from the kernel to the runner).
    """

    def __init__(self, kind: str = "number", decimals: int = 0):
        self.kind, self.decimals, self.language = kind, decimals, i18n.reader().language

    def __call__(self, x, pos=None) -> str:
        """The label of tick ``x``."""
        if self.kind == "percent":
            return i18n.percent(x, self.decimals, language=self.language)
        return i18n.number(x, self.decimals, language=self.language)


class ReaderDigits(Formatter):
    """Another formatter's tick labels written in the reader's digits (picklable)."""

    def __init__(self, inner: Formatter, language: str):
        self.inner, self.language = inner, language

    def set_axis(self, axis) -> None:
        """Give the axis to the wrapped formatter too."""
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs) -> None:
        """Pass the tick locations to the wrapped formatter."""
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None) -> str:
        """The wrapped formatter's label of tick ``x``, in the reader's digits."""
        return i18n.digits(self.inner(x, pos), self.language)

    def get_offset(self) -> str:
        """The wrapped formatter's offset text, in the reader's digits."""
        return i18n.digits(self.inner.get_offset(), self.language)


def localize(fig: Figure) -> Figure:
    """The numeric tick labels of every axis in the reader's digits (Persian, Arabic-Indic)."""
    language = i18n.reader().language
    if language == "en":
        return fig
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            f = axis.get_major_formatter()
            if isinstance(f, ScalarFormatter):
                axis.set_major_formatter(ReaderDigits(f, language))
    return fig


def segment_color(segment: int):
    """The colour of segment number ``segment`` (1-based), the same in every figure."""
    return PALETTE[(int(segment) - 1) % len(PALETTE)]


def segment_marker(segment: int) -> str:
    """The marker of segment number ``segment`` in line charts (with its colour)."""
    return SEGMENT_MARKERS[(int(segment) - 1) % len(SEGMENT_MARKERS)]


#: Output metadata key of a figure left for the runner (replaced by the PNG when written).
DEFERRED = "seglab/deferred-figure"


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` as PNG at ``path`` and close it; in a notebook, show that PNG.

    The figure is rendered once: the notebook (and so the HTML report) shows the very file
    that was saved, at the size the inline backend would have used. Under ``seglab run`` the
    PNG is drawn by the runner after the cell (see :data:`seglab.paths.FIGURE_QUEUE_ENV`), and the notebook's
    output is the same image once the stage's page is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    localize(fig)
    ipython = _ipython()
    queue = os.environ.get(FIGURE_QUEUE_ENV)
    if ipython is not None and queue:
        job = _defer(fig, path, Path(queue))
        if job is not None:
            from IPython.display import display

            display(
                {"text/plain": f"[figure {path.name}: drawn by seglab run after this stage]"},
                raw=True,
                metadata={DEFERRED: {"path": str(path), "job": str(job)}},
            )
            return
    fig.savefig(path)
    plt.close(fig)
    if ipython is not None:
        from IPython.display import display

        display(_image(path.read_bytes()))


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    return get_ipython()


def _image(png: bytes):
    from IPython.display import Image

    scale = plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"]
    return Image(data=png, format="png", width=int(_png_width(png) * scale))


#: rcParams that belong to the kernel's display, not to the figure
_NOT_DRAWING = ("backend", "interactive", "webagg.", "toolbar", "figure.raise_window")


def _defer(fig: Figure, path: Path, queue: Path) -> Path | None:
    """Pickle the figure, where it goes and the settings it is drawn with into the runner's queue
    (jobs are named in the order they were made); None if it cannot be pickled (then it is drawn
    here).
    """
    plt.close(fig)  # closed first: the runner must not attach it to a pyplot window
    rc = {k: v for k, v in plt.rcParams.items() if not k.startswith(_NOT_DRAWING)}
    try:
        data = pickle.dumps(
            {
                "figure": fig,
                "path": str(path),
                "rc": rc,
                "scale": plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"],
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    except Exception:  # noqa: BLE001 - e.g. a formatter made from a lambda
        return None
    queue.mkdir(parents=True, exist_ok=True)
    job = queue / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.pickle"
    tmp = job.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, job)
    return job


def draw_deferred(job: Path) -> tuple[Path, float]:
    """Draw one figure left by :func:`save` in the runner's queue: write its PNG (complete or not
    at all) and remove the job. Returns the PNG's path and the scale it is shown at.
    """
    import matplotlib

    job = Path(job)
    with open(job, "rb") as f:
        payload = pickle.load(f)
    path = Path(payload["path"])
    if i18n.FONT_FAMILY in payload["rc"].get("font.sans-serif", []):
        register_fonts()  # a Persian or Arabic figure: the runner draws with the same font
    with matplotlib.rc_context(payload["rc"]):
        tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.png")
        payload["figure"].savefig(tmp)
        os.replace(tmp, path)
    job.unlink()
    return path, payload["scale"]


def write_deferred(nb, draw=draw_deferred) -> list[Path]:
    """Put in a notebook the PNG of each figure it left for the runner (see :func:`save`), in
    place of its placeholder and as :func:`save` shows it. ``draw(job)`` draws a job (or waits
    for the runner's drawing thread to have drawn it) and returns its PNG path and scale.
    Returns the PNG files.
    """
    written = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            job = out.get("metadata", {}).get(DEFERRED)
            if not job:
                continue
            path, scale = draw(Path(job["job"]))
            png = path.read_bytes()
            out["data"] = {
                "image/png": base64.b64encode(png).decode("ascii"),
                "text/plain": "<IPython.core.display.Image object>",
            }
            out["metadata"] = {"image/png": {"width": int(_png_width(png) * scale)}}
            written.append(path)
    return written


def _png_width(data: bytes) -> int:
    """Pixel width from a PNG header (IHDR: bytes 16-19, big-endian)."""
    return int.from_bytes(data[16:20], "big")


def rejected_by_rule(table: pd.DataFrame) -> Figure:
    """Horizontal bars: rejected rows per table and rule."""
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.45 * max(len(table), 1) + 1.2)))
    if table.empty:
        ax.text(0.5, 0.5, _("No row was rejected"), ha="center", va="center", fontsize=14, transform=ax.transAxes)
        ax.set_axis_off()
    else:
        t = table.assign(
            label=[f"{i18n.term(t)}: {i18n.term(r)}" for t, r in zip(table["table"], table["reason"], strict=True)]
            if i18n.reader().language != "en"
            else table["table"] + ": " + table["rule"].str.replace("_", " ")
        ).sort_values("rows")
        import seaborn as sns

        ax.barh(t["label"], t["rows"], color=sns.color_palette("rocket", len(t)))
        for y, v in enumerate(t["rows"]):
            ax.text(v, y, f" {i18n.number(v)}", va="center")
        ax.set_xlabel(_("rejected rows (count)"))
        ax.xaxis.set_major_formatter(Numbers())
        ax.set_ylabel("")
        ax.set_xlim(0, t["rows"].max() * 1.18)
    ax.set_title(_("Rejected input rows by cleaning rule"))
    return fig


def feature_distributions(
    features: pd.DataFrame, cols: list[str], units: dict[str, str], labels: dict[str, str] | None = None
) -> Figure:
    """Histograms of the clustering features (log scale for skewed money/count features)."""
    n = len(cols)
    ncol = 4
    nrow = int(np.ceil(n / ncol))
    # constrained layout is computed when the figure is drawn (by the runner, off the kernel)
    fig, axes = plt.subplots(nrow, ncol, figsize=(14, 2.8 * nrow), layout="constrained")
    axes = np.atleast_1d(axes).ravel()
    for ax, c in zip(axes, cols, strict=False):
        v = features[c].dropna()
        skewed = len(v) > 2 and v.min() >= 0 and v.skew() > 2
        ax.hist(
            np.log1p(v) if skewed else v,
            bins=40,
            histtype="stepfilled",
            color=PALETTE[0],
            alpha=0.85,
            edgecolor="white",
            linewidth=0.4,
        )
        ax.set_title(i18n.term((labels or {}).get(c) or c.replace("_", " ")), fontsize=11)
        unit = i18n.term(units.get(c, ""))
        ax.set_xlabel(f"log(1 + {unit})" if skewed else unit)
        ax.set_ylabel(_("customers"))
    for ax in axes[n:]:
        ax.set_axis_off()
    fig.suptitle(_("Distribution of each customer feature"), fontweight="bold")
    return fig


def correlation_heatmap(features: pd.DataFrame, cols: list[str]) -> Figure:
    """Spearman correlations between the features, as a heat map."""
    corr = features[cols].corr(method="spearman")
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(cols), 0.8 + 0.5 * len(cols)))
    import seaborn as sns  # (loaded when a heatmap is first drawn)

    sns.heatmap(
        corr,
        ax=ax,
        cmap="vlag",
        vmin=-1,
        vmax=1,
        annot=len(cols) <= 16,
        fmt=".1f",
        cbar_kws={"label": _("Spearman correlation (-1..1)")},
    )
    ax.set_xticklabels([i18n.term(t.get_text()) for t in ax.get_xticklabels()])
    ax.set_yticklabels([i18n.term(t.get_text()) for t in ax.get_yticklabels()])
    ax.set_title(_("Correlation between features"))
    return fig


def model_selection(table: pd.DataFrame, chosen: int) -> Figure:
    """Every selection index against k: the chosen k marked (red dashed line), where an index
    prefers another k (grey dotted line), the elbow of inertia, stability with its spread, and
    the k that were good / excluded for a too-small segment.
    """
    panels = [
        ("inertia", _("within-segment sum of squares"), _("Inertia (the elbow is marked)"), None),
        ("silhouette", _("silhouette (-1..1)"), _("Silhouette (higher is better)"), "max"),
        ("calinski_harabasz", _("Calinski-Harabasz"), _("Calinski-Harabasz (higher is better)"), "max"),
        ("davies_bouldin", _("Davies-Bouldin"), _("Davies-Bouldin (lower is better)"), "min"),
        ("stability", _("mean ARI of bootstrap refits (0..1)"), _("Stability (higher is better)"), "max"),
        ("consensus", _("consensus of the three indices (0..1)"), _("Consensus; good k shaded"), "max"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), layout="constrained")
    ks = table["k"].to_numpy()
    small = table.loc[~table["eligible"], "k"].tolist() if "eligible" in table else []
    for ax, (col, ylabel, title, better) in zip(axes.ravel(), panels, strict=True):
        v = table[col] if col in table else pd.Series(np.nan, index=table.index)
        if v.isna().all():
            ax.text(
                0.5,
                0.5,
                _("not computed in this run\n(segmentation.bootstrap = 0)"),
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
        elif col == "stability" and "stability_sd" in table:
            sd = table["stability_sd"].to_numpy()
            ax.errorbar(
                ks, v, yerr=[sd, np.minimum(sd, 1 - v.to_numpy())], marker="o", color=PALETTE[0], capsize=3
            )  # ARI <= 1
        else:
            ax.plot(ks, v, marker="o", color=PALETTE[0])
        ax.axvline(chosen, color="#d62728", linestyle="--", label=_("chosen k = %(k)s") % {"k": i18n.number(chosen)})
        if better and v.notna().any():
            best = int(table.loc[v.idxmax() if better == "max" else v.idxmin(), "k"])
            if best != chosen:
                ax.axvline(
                    best,
                    color="#777777",
                    linestyle=":",
                    label=_("this index prefers k = %(k)s") % {"k": i18n.number(best)},
                )
        if col == "inertia" and "elbow" in table and table["elbow"].any():
            knee = int(table.loc[table["elbow"], "k"].iloc[0])
            ax.scatter(
                [knee],
                table.loc[table["elbow"], "inertia"],
                s=160,
                facecolors="none",
                edgecolors="#d62728",
                linewidths=2,
                zorder=3,
                label=_("elbow at k = %(k)s") % {"k": i18n.number(knee)},
            )
        if col == "consensus" and "good" in table:
            for k in table.loc[table["good"], "k"]:
                ax.axvspan(k - 0.4, k + 0.4, color="#2ca02c", alpha=0.15, lw=0)
        for k in small:
            ax.axvspan(k - 0.4, k + 0.4, color="#999999", alpha=0.12, lw=0, hatch="//")
        ax.set_xlabel(_("number of segments k"))
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=12)
        ax.set_xticks(ks)
        ax.legend(fontsize=9, loc="best")
    title = (
        _("Choosing the number of segments (hatched: k = %(ks)s would leave a segment under the minimum share)")
        % {"ks": i18n.join(i18n.number(k) for k in small)}
        if small
        else _("Choosing the number of segments")
    )
    fig.suptitle(title, fontweight="bold")
    return fig


def confusion(cm: pd.DataFrame) -> Figure:
    """Confusion matrix of the lookalike model: counts, with each actual segment's row share as colour."""
    share = cm.div(cm.sum(axis=1).replace(0, 1), axis=0)
    fig, ax = plt.subplots(figsize=(1.2 * len(cm) + 3, 0.9 * len(cm) + 2))
    import seaborn as sns  # (loaded when a heatmap is first drawn)

    sns.heatmap(
        share,
        annot=cm.to_numpy(),
        fmt="d",
        cmap="Blues",
        vmin=0,
        vmax=1,
        cbar_kws={"label": _("share of the actual segment")},
        ax=ax,
    )
    ax.set_xlabel(_("predicted segment (from customer attributes)"))
    ax.set_ylabel(_("actual segment (from behaviour)"))
    ax.set_title(_("Lookalike model on held-out customers (counts)"))
    return fig


def prediction_quality(holdout: pd.DataFrame, per_persona: pd.DataFrame, auc: float) -> Figure:
    """The time hold-out of the prediction (ROC curve; predicted vs observed buy rate per tenth of
    customers) and the prediction per persona (expected spend, bars coloured by segment).
    """
    from sklearn.metrics import roc_curve

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    fpr, tpr, _thresholds = roc_curve(holdout["bought"], holdout["p_buy"])
    ax = axes[0]
    ax.plot(fpr, tpr, color=PALETTE[0], lw=2, label=_("model (AUC %(auc)s)") % {"auc": i18n.number(auc, 2)})
    ax.plot(
        [0, 1], [0, 1], color="grey", ls="--", lw=1, label=_("coin toss (AUC %(auc)s)") % {"auc": i18n.number(0.5, 2)}
    )
    ax.set_xlabel(_("share of non-buyers flagged (false-positive rate)"))
    ax.set_ylabel(_("share of buyers flagged (true-positive rate)"))
    ax.set_title(_("Who buys next period: ROC on held-out period"))
    ax.legend(loc="lower right")
    ax = axes[1]
    tenth = pd.qcut(holdout["p_buy"].rank(method="first"), 10, labels=range(1, 11))
    cal = holdout.groupby(tenth, observed=True).agg(predicted=("p_buy", "mean"), observed=("bought", "mean"))
    x = np.arange(1, len(cal) + 1)
    ax.bar(x - 0.2, cal["predicted"], width=0.4, color=PALETTE[0], label=_("predicted"))
    ax.bar(x + 0.2, cal["observed"], width=0.4, color=PALETTE[1], label=_("observed"))
    ax.set_xticks(x)
    ax.yaxis.set_major_formatter(Numbers("percent"))
    ax.set_xlabel(_("tenth of customers by predicted probability (1 = lowest)"))
    ax.set_ylabel(_("share who bought in the period"))
    ax.set_title(_("Predicted vs observed buying"))
    ax.legend(loc="upper left")
    ax = axes[2]
    pp = per_persona.sort_values("segment")
    labels = [segment_label(s, n) for s, n in zip(pp["segment"], pp["persona"], strict=True)]
    ax.barh(labels, pp["expected_spend"], color=[segment_color(s) for s in pp["segment"]])
    for y, (v, r) in enumerate(zip(pp["expected_spend"], pp["churn_risk"], strict=True)):
        ax.text(v, y, "  " + _("churn risk %(risk)s") % {"risk": i18n.percent(r)}, va="center", fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, pp["expected_spend"].max() * 1.45 if len(pp) else 1)
    ax.xaxis.set_major_formatter(Numbers())
    ax.set_xlabel(_("expected spend in the next period (%(unit)s)") % {"unit": _money_unit()})
    ax.set_title(_("Next period per persona"))
    return fig


def segment_map(embedding: np.ndarray, segments: np.ndarray, seed: int, max_points: int = 5000) -> Figure:
    """2-D map of customers (PCA of the prepared features), coloured by segment."""
    from sklearn.decomposition import PCA

    if embedding.shape[1] < 2:  # one feature: a strip along it
        embedding = np.column_stack([embedding, np.zeros(len(embedding))])
    pca = PCA(n_components=2, random_state=seed).fit(embedding)
    xy = pca.transform(embedding)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(xy), size=max_points, replace=False) if len(xy) > max_points else np.arange(len(xy))
    fig, ax = plt.subplots(figsize=(8, 6.5))
    for s in np.unique(segments):
        m = segments[idx] == s
        ax.scatter(xy[idx][m, 0], xy[idx][m, 1], s=8, alpha=0.55, color=segment_color(s), label=segment_code(s))
    ev = pca.explained_variance_ratio_
    ax.set_xlabel(_("principal component 1 (%(share)s of variance)") % {"share": i18n.percent(ev[0])})
    ax.set_ylabel(_("principal component 2 (%(share)s of variance)") % {"share": i18n.percent(ev[1])})
    ax.set_title(_("Customers on a 2-D map, coloured by segment"))
    ax.legend(title=_("segment"), markerscale=2.5, loc="best")
    return fig


def profile_heatmap(z: pd.DataFrame, names: dict[int, str], labels: dict[str, str]) -> Figure:
    """Segments x features: standardised mean (how many standard deviations from the base)."""
    data = z.copy()
    data.index = [segment_label(s, names.get(s, "")) for s in data.index]
    data.columns = [i18n.term(labels.get(c, c)) for c in data.columns]
    fig, ax = plt.subplots(figsize=(1.2 + 0.62 * data.shape[1], 1.6 + 0.55 * data.shape[0]))
    lim = max(1.0, float(np.nanmax(np.abs(data.to_numpy()))))
    import seaborn as sns  # (loaded when a heatmap is first drawn)

    sns.heatmap(
        data,
        ax=ax,
        cmap="vlag",
        center=0,
        vmin=-lim,
        vmax=lim,
        annot=_annotations(data.to_numpy(), 1) if i18n.reader().language != "en" else True,
        fmt="" if i18n.reader().language != "en" else ".1f",
        cbar_kws={"label": _("standardised mean (SD from the average customer)")},
    )
    ax.set_title(_("What sets each segment apart"))
    ax.set_xlabel(_("feature"))
    ax.set_ylabel(_("segment"))
    plt.setp(ax.get_xticklabels(), rotation=40, ha="right")
    return fig


def size_and_value(profile: pd.DataFrame, names: dict[int, str]) -> Figure:
    """Share of customers and share of net value per segment, side by side."""
    p = profile.sort_values("segment")
    labels = [segment_label(s, names.get(s, "")) for s in p["segment"]]
    y = np.arange(len(p))
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.6 * len(p)))
    colors = [segment_color(s) for s in p["segment"]]
    ax.barh(y - 0.2, 100 * p["customer_share"], height=0.38, color=colors, alpha=0.45, label=_("share of customers"))
    ax.barh(y + 0.2, 100 * p["revenue_share"], height=0.38, color=colors, label=_("share of net value"))
    for yy, c, v in zip(y, p["customer_share"], p["revenue_share"], strict=True):
        ax.text(100 * c, yy - 0.2, f" {i18n.percent(c)}", va="center", fontsize=9)
        ax.text(100 * v, yy + 0.2, f" {i18n.percent(v)}", va="center", fontsize=9)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(_("share (%)"))
    ax.set_title(_("Segment size and value"))
    ax.legend(loc="lower right")
    return fig


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


def boston_chart(bm: pd.DataFrame, threshold: float, fragile: Iterable[int] = ()) -> Figure:
    """The Boston matrix: ability to win (x) vs attractiveness (y), bubble = net value; segments
    whose quadrant is fragile under perturbed weights get a dashed outline and say so.
    """
    fragile = set(fragile)
    fig, ax = plt.subplots(figsize=(10, 8))
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
            fontsize=15,
            fontweight="bold",
            color=QUADRANT_COLORS[name],
            alpha=0.8,
        )
    ax.axvline(threshold, color="#666666", lw=1)
    ax.axhline(threshold, color="#666666", lw=1)
    known = bm["revenue"].notna().any()
    what = _("net value") if known else _("customers")
    value = (bm["revenue"] if known else bm["basis_value"]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    size = 500 + 4000 * value / value.max() if value.max() > 0 else np.full(len(bm), 600.0)
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
    # sizes in data units: the axes span 1.16 units over about 80 % of the figure's width and height
    per_in_x, per_in_y = 1.16 / (fig.get_figwidth() * 0.8), 1.16 / (fig.get_figheight() * 0.8)
    radius = np.sqrt(size) / 2 / 72 * per_in_y  # marker size is in points^2
    texts = []
    for _i, r in bm.iterrows():
        extra = " · " + _("fragile") if r["segment"] in fragile else ""
        amount = i18n.money(r["revenue"]) if known else i18n.number(r["basis_value"])
        texts.append(f"{segment_label(r['segment'], r['persona'])}\n{amount} {what}{extra}")
    boxes = [
        (max(len(line) for line in t.split("\n")) * 0.085 * per_in_x + 0.02, 2 * 0.2 * per_in_y + 0.015) for t in texts
    ]
    centres = place_labels(xy, radius, boxes)
    for (x, y), (lx, ly), t in zip(xy, centres, texts, strict=True):
        ax.annotate(
            t,
            (x, y),
            (lx, ly),
            ha="center",
            va="center",
            fontsize=10,
            zorder=4,
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlabel(_("ability to win (0 = weakest segment, 1 = strongest)"))
    ax.set_ylabel(_("attractiveness (0 = least, 1 = most attractive)"))
    title = _("Boston matrix: which segments to Target, Convert, Grow or Ignore")
    note = (
        _("(bubble area = %(what)s of the segment; dashed = fragile placement)")
        if fragile
        else _("(bubble area = %(what)s of the segment)")
    )
    ax.set_title(title + "\n" + note % {"what": what})
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


def to_hex(color) -> str:
    """A matplotlib colour as #rrggbb (for HTML)."""
    from matplotlib.colors import to_hex as _to_hex

    return _to_hex(color)


def _period_labels(periods, period: str = "quarter") -> list[str]:
    """Each period by its last day, in the reader's calendar (ISO dates in English); in the
    Jalali calendar also the season (quarters) or month it mostly covers: بهار ۱۴۰۳.
    """
    if i18n.reader().calendar_used != "jalali":
        return [i18n.date(p) for p in periods]
    half = pd.DateOffset(days=45 if period == "quarter" else 15)
    name = i18n.season if period == "quarter" else i18n.month
    return [f"{name(pd.Timestamp(p) - half)}\n{i18n.date(p)}" for p in periods]


def _money_unit() -> str:
    """What amounts are in: the currency of ``report.currency``, or that it is not set."""
    return i18n.currency_unit() or _("currency of the data")


def _annotations(values: np.ndarray, decimals: int) -> np.ndarray:
    """Heat-map cell texts in the reader's digits."""
    return np.vectorize(lambda v: "" if np.isnan(v) else i18n.number(v, decimals, grouping=False))(values)


def monitoring_over_time(
    size_table: pd.DataFrame, names: dict[int, str], trend: dict[int, str], period: str, growth: dict | None = None
) -> Figure:
    """Active customers, each segment's share of the active customers and net value per period,
    one line per segment (its colour), and a legend with the growth flag of each segment, two
    panels a row (readable on a phone too); the periods growth compares (``growth``:
    :attr:`seglab.monitoring.Growth.info`) shaded.
    """
    fig, grid = plt.subplots(2, 2, figsize=(13, 10))
    axes, key = [grid[0, 0], grid[0, 1], grid[1, 0]], grid[1, 1]
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
    for ax in axes:
        ax.set_xticks(x, _period_labels(periods, period), rotation=30, ha="right", fontsize=9)
        ax.set_xlabel(_(PERIOD_ENDING[period]))
    axes[0].set_ylabel(_("active customers (bought in the period)"))
    axes[0].set_title(_(ACTIVE_PER[period]))
    axes[1].set_ylabel(_("share of the active customers (%)"))
    top = size_table["customer_share"].max()
    axes[1].set_ylim(0, 118 * (top if top > 0 else 0.01))  # room above the lines for the labels of the shading
    axes[1].set_title(_("Share of the active customers\n(what growth measures)"))
    axes[2].set_ylabel(_("net value in the period (%(unit)s)") % {"unit": _money_unit()})
    for ax in axes:  # the reader's digits
        ax.yaxis.set_major_formatter(Numbers())
    axes[2].set_title(_(VALUE_PER[period]))
    key.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    key.legend(handles, [textwrap.fill(t, 40) for t in labels], loc="center", fontsize=10.5, frameon=False)
    fig.subplots_adjust(wspace=0.3, hspace=0.6)  # room for two-line (Jalali) period labels
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


def flow_chart(assigned: pd.DataFrame, names: dict[int, str], period: str) -> Figure:
    """Segments period after period (stacked bars of active customers) and the customers flowing
    between consecutive periods (bands coloured by the segment they come from). The part of a
    bar with no band on its left joined (or came back) in that period; with none on its right,
    it is not active in the next period.
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
    ax.set_xticks(range(len(periods)), _period_labels(periods, period), fontsize=9.5)
    ax.set_xlabel(_(PERIOD_ENDING[period]))
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
