"""The figures of stages 01 to 04: rejected lines, distributions, correlations, the choice of k,
the lookalike's confusion, the prediction, the segment map, profiles, size and value.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from seglab import i18n
from seglab.i18n import _
from seglab.report.labels import header
from seglab.report.plots.style import PALETTE, Numbers, annotations, fixed_grid, money_unit, segment_color
from seglab.vocabulary import segment_code, segment_label


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
    # the y tick labels count customers: as wide as the number of customers written out (0.09 in
    # a digit, 0.04 in a separator), beside the y label, 0.5 in
    digits = len(str(len(features)))
    across = 0.5 + 0.09 * digits + 0.04 * ((digits - 1) // 3)
    fig, axes = fixed_grid(
        (nrow, ncol), (14, 0.35 + 2.8 * nrow), across, 1.05, _("Distribution of each customer feature")
    )
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
        ax.set_xlabel(i18n.digits(f"log(1 + {unit})") if skewed else unit)
        ax.set_ylabel(_("customers"))
    for ax in axes[n:]:
        ax.set_axis_off()
    return fig


def correlation_heatmap(features: pd.DataFrame, cols: list[str]) -> Figure:
    """Spearman correlations between the features, as a heat map."""
    corr = features[cols].corr(method="spearman")
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(cols), 0.8 + 0.5 * len(cols)))
    import seaborn as sns  # (loaded when a heatmap is first drawn)

    english = i18n.reader().language == "en"
    sns.heatmap(
        corr,
        ax=ax,
        cmap="vlag",
        vmin=-1,
        vmax=1,
        # the values in the reader's digits (English: as they always were)
        annot=(True if english else annotations(corr.to_numpy(), 1)) if len(cols) <= 16 else False,
        fmt=".1f" if english else "",
        cbar_kws={"label": _("Spearman correlation (-1..1)")},
    )
    # each feature by its label in the reader's language, never its column name
    ax.set_xticklabels([header(t.get_text()) for t in ax.get_xticklabels()])
    ax.set_yticklabels([header(t.get_text()) for t in ax.get_yticklabels()])
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

    english = i18n.reader().language == "en"
    sns.heatmap(
        share,
        annot=cm.to_numpy() if english else annotations(cm.to_numpy().astype(float), 0),  # the reader's digits
        fmt="d" if english else "",
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
        # a few points after the bar's end, whichever way the label's script runs
        ax.annotate(
            _("churn risk %(risk)s") % {"risk": i18n.percent(r)},
            (v, y),
            xytext=(5, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=10,
        )
    ax.invert_yaxis()
    ax.set_xlim(0, pp["expected_spend"].max() * 1.6 if len(pp) else 1)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3, min_n_ticks=2))
    ax.xaxis.set_major_formatter(Numbers("compact"))
    ax.set_xlabel(_("expected spend in the next period (%(unit)s)") % {"unit": money_unit()})
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
        annot=annotations(data.to_numpy(), 1) if i18n.reader().language != "en" else True,
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
