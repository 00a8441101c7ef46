"""Choosing k: each k fitted and scored (silhouette, Calinski-Harabasz, Davies-Bouldin, the elbow,
bootstrap stability), and the rule that picks one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import Segmentation
from seglab.i18n import N_
from seglab.segmentation import methods
from seglab.segmentation.model import ks_text, two_decimals
from seglab.segmentation.preparation import SegmentationError


# --------------------------------------------------------------------------------------------
# choosing k
# --------------------------------------------------------------------------------------------
def _check_k(n: int, k_values: list[int]) -> None:
    if n < 3:
        raise SegmentationError(f"only {n} customer(s) with features: segmentation needs at least 3")
    bad = [k for k in k_values if not 2 <= k <= n - 1]
    if bad:
        raise SegmentationError(
            f"k = {bad} is outside [2, {n - 1}] for {n} customers; lower segmentation.k / k_max or add customers"
        )


def elbow(ks: np.ndarray, inertia: np.ndarray) -> int | None:
    """The elbow of the inertia curve by Kneedle (Satopää et al., 2011): both axes scaled to 0..1,
    the elbow is the k where the decreasing curve lies furthest below the straight line from its
    first to its last point. None with fewer than 3 k or no bend.
    """
    ks, inertia = np.asarray(ks, float), np.asarray(inertia, float)
    if len(ks) < 3 or np.ptp(inertia) <= 0:
        return None
    x = (ks - ks.min()) / np.ptp(ks)
    y = (inertia - inertia.min()) / np.ptp(inertia)
    gap = (1 - x) - y  # the chord from (0, 1) to (1, 0) minus the curve
    i = int(np.argmax(gap))
    return int(ks[i]) if gap[i] > 1e-9 else None


def stability(x: np.ndarray, reference: methods.Fitted, k: int, params: Segmentation, seed: int) -> tuple[float, float]:
    """Bootstrap stability of k: ``params.bootstrap`` refits of the method (at most 3 restarts
    each) on resamples (with replacement) of ``params.bootstrap_sample`` customers; each refit
    labels a fixed seeded evaluation set, compared with the reference fit's labels by the
    adjusted Rand index. Returns the mean and the standard deviation of the ARIs (NaN when
    bootstrap is 0).
    """
    if params.bootstrap == 0:
        return float("nan"), float("nan")
    from sklearn.metrics import adjusted_rand_score  # (scikit-learn loads when first used)

    rng = np.random.default_rng([seed, k])
    m = min(len(x), params.bootstrap_sample)
    evaluate = rng.choice(len(x), size=m, replace=False) if len(x) > m else np.arange(len(x))
    ref = reference.predict(x[evaluate])
    scores = []
    for b in range(params.bootstrap):
        idx = rng.choice(len(x), size=m, replace=True)
        again = methods.Clustering(reference.method, k, seed + 1 + b, quick=True)
        refit = methods.fit(again, x[idx], params, n_num=reference.extra.get("n_num"))
        scores.append(adjusted_rand_score(ref, refit.predict(x[evaluate])))
    return float(np.mean(scores)), float(np.std(scores))


class _Silhouette:
    """The silhouette of each k's labels on one seeded sample of the rows (scikit-learn's
    ``silhouette_score(x, labels, sample_size, random_state=seed)``, the same sample and the same
    numbers): the sample's distances are computed once for every k instead of once per k.
    """

    def __init__(self, x: np.ndarray, sample: int | None, seed: int):
        from sklearn.metrics import pairwise_distances
        from sklearn.utils import check_random_state

        self.rows = check_random_state(seed).permutation(len(x))[:sample] if sample else np.arange(len(x))
        self.distances = pairwise_distances(x[self.rows])

    def __call__(self, labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_score

        return float(silhouette_score(self.distances, labels[self.rows], metric="precomputed"))


def evaluate_k(
    x: np.ndarray, params: Segmentation, seed: int, progress=None, n_num: int | None = None
) -> tuple[pd.DataFrame, dict[int, methods.Fitted]]:
    """Fit the method for every k in the range and compute the selection evidence.

    Returns the table (columns: k, inertia = within-segment sum of squares, silhouette on a
    seeded sample of ``silhouette_sample`` rows when n is larger, calinski_harabasz,
    davies_bouldin, stability and stability_sd (bootstrap ARI), min_share) and the fit of each
    k, so the chosen one is not fitted again. ``progress(k)`` is called before each k.
    """
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    ks = [params.k] if params.k else list(range(params.k_min, params.k_max + 1))
    _check_k(len(x), ks)
    rows = []
    fitted: dict[int, methods.Fitted] = {}
    sample = params.silhouette_sample if len(x) > params.silhouette_sample else None
    num = x[:, :n_num] if n_num is not None else x  # the indices use the numeric part (k-prototypes)
    silhouette = _Silhouette(num, sample, seed)
    for k in ks:
        if progress:
            progress(k)
        fit = fitted[k] = methods.fit(methods.Clustering(params.method, k, seed), x, params, n_num=n_num)
        labels = fit.predict(x)
        distinct = len(np.unique(labels))
        stab, stab_sd = stability(x, fit, k, params, seed) if not params.k else (float("nan"), float("nan"))
        rows.append(
            {
                "k": k,
                "inertia": methods.within_ss(num, labels, k),
                "silhouette": silhouette(labels) if distinct > 1 else np.nan,
                "calinski_harabasz": float(calinski_harabasz_score(num, labels)) if distinct > 1 else np.nan,
                "davies_bouldin": float(davies_bouldin_score(num, labels)) if distinct > 1 else np.nan,
                "stability": stab,
                "stability_sd": stab_sd,
                "min_share": float(np.bincount(labels, minlength=k).min() / len(x)),
            }
        )
    return pd.DataFrame(rows), fitted


def choose_k(table: pd.DataFrame, min_share: float, good_margin: float = 0.1) -> tuple[int, pd.DataFrame, str]:
    """Pick k from the evidence: the most stable of the good k.

    Rule:
      1. *eligible*: the smallest segment holds at least ``min_share`` of customers;
      2. *consensus*: silhouette, Calinski-Harabasz and Davies-Bouldin each scaled to 0..1
         across the k range (1 = best; Davies-Bouldin inverted since lower is better), averaged;
      3. *good*: eligible, with a consensus within ``good_margin`` of the best eligible consensus;
      4. among the good k, the highest bootstrap stability wins (stabilities within 0.01 count
         as equal; then the higher consensus, then the smaller k). Without stability (bootstrap
         0), the best consensus wins.
    If no k is eligible, the k with the largest smallest segment is taken and the explanation
    says so. The elbow of inertia (Kneedle) is reported as evidence, not voted.

    Returns the chosen k, the table with per-index best flags, consensus, good and chosen
    columns, and sentences explaining the choice.
    """
    t = table.copy()

    def scaled(col: str, higher_better: bool) -> pd.Series:
        v = t[col]
        span = v.max() - v.min()
        s = (v - v.min()) / span if span > 0 else pd.Series(1.0, index=v.index)
        return s if higher_better else 1 - s

    t["silhouette_scaled"] = scaled("silhouette", True)
    t["calinski_harabasz_scaled"] = scaled("calinski_harabasz", True)
    t["davies_bouldin_scaled"] = scaled("davies_bouldin", False)
    t["consensus"] = t[["silhouette_scaled", "calinski_harabasz_scaled", "davies_bouldin_scaled"]].mean(axis=1)
    best = {
        "silhouette": int(t.loc[t["silhouette"].idxmax(), "k"]),
        "calinski_harabasz": int(t.loc[t["calinski_harabasz"].idxmax(), "k"]),
        "davies_bouldin": int(t.loc[t["davies_bouldin"].idxmin(), "k"]),
    }
    knee = elbow(t["k"].to_numpy(), t["inertia"].to_numpy())
    has_stability = "stability" in t and t["stability"].notna().all()
    if has_stability:
        best["stability"] = int(t.loc[t["stability"].idxmax(), "k"])
    for name, k in best.items():
        t[f"best_{name}"] = t["k"] == k
    t["elbow"] = t["k"] == knee
    t["eligible"] = t["min_share"] >= min_share
    t["good"] = False
    if len(t) == 1:
        k = int(t["k"].iloc[0])
        t["good"] = t["chosen"] = True
        return k, t, i18n.Note.of(N_("k = %(k)s was fixed in the parameters (segmentation.k)."), k=k)
    parts = []
    if t["eligible"].any():
        top = t.loc[t["eligible"], "consensus"].max()
        t["good"] = t["eligible"] & (t["consensus"] >= top - good_margin - 1e-12)
        pool = t[t["good"]].copy()
        if has_stability:
            pool["stab_rounded"] = np.floor(pool["stability"] / 0.01 + 1e-9)
            pool = pool.sort_values(["stab_rounded", "consensus", "k"], ascending=[False, False, True])
            k = int(pool["k"].iloc[0])
            row = pool.iloc[0]
            others = [int(v) for v in pool["k"] if v != k]
            parts.append(
                i18n.Note.of(
                    N_(
                        "k = %(k)s segments: of the numbers of segments that separate the customers well, the one "
                        "whose segments come back most often when the customers are resampled (the same segments in "
                        "%(share)s of resamples: bootstrap ARI %(ari)s ± %(sd)s; the three quality indices agree at "
                        "%(consensus)s of 1)"
                    ),
                    k=k,
                    share=i18n.as_percent(min(max(float(row["stability"]), 0.0), 1.0)),
                    ari=two_decimals(row["stability"]),
                    sd=two_decimals(row["stability_sd"]),
                    consensus=two_decimals(row["consensus"]),
                )
            )
            parts.append(
                i18n.Note.of(
                    N_(
                        "; the other numbers of segments that separate them well (%(others)s) came back less "
                        "often, or as often with a lower quality"
                    ),
                    others=ks_text(others),
                )
                if others
                else N_("; no other number of segments separates them nearly as well")
            )
        else:
            pool = pool.sort_values(["consensus", "k"], ascending=[False, True])
            k = int(pool["k"].iloc[0])
            parts.append(
                i18n.Note.of(
                    N_("k = %(k)s has the best consensus of the three indices (%(consensus)s of 1)"),
                    k=k,
                    consensus=two_decimals(pool["consensus"].iloc[0]),
                )
            )
        ineligible = t.loc[~t["eligible"], "k"].tolist()
        if ineligible:
            parts.append(
                i18n.Note.of(
                    N_("; %(ks)s segments were ruled out because one segment would hold under %(share)s of customers"),
                    ks=ks_text(ineligible),
                    share=i18n.as_percent(min_share),
                )
            )
    else:
        k = int(t.sort_values(["min_share", "k"], ascending=[False, True])["k"].iloc[0])
        parts.append(
            i18n.Note.of(
                N_("no k keeps every segment above %(share)s of customers; k = %(k)s has the largest smallest segment"),
                share=i18n.as_percent(min_share),
                k=k,
            )
        )
    agree = sorted(set(best.values()))
    names = {
        "silhouette": N_("silhouette"),
        "calinski_harabasz": N_("Calinski-Harabasz"),
        "davies_bouldin": N_("Davies-Bouldin"),
        "stability": N_("stability"),
    }
    if len(agree) == 1:
        parts.append(i18n.Note.of(N_(". All three quality indices prefer %(k)s segments"), k=agree[0]))
    else:
        preferences = [
            i18n.Note.of(N_("%(index)s prefers k = %(k)s"), index=i18n.as_term(names[n]), k=v) for n, v in best.items()
        ]
        parts.append(i18n.Note.of(N_(". The indices disagree: %(preferences)s"), preferences=preferences))
    parts.append(
        i18n.Note.of(N_("; adding segments stops paying off at %(k)s (the elbow of inertia)."), k=knee)
        if knee is not None
        else N_(
            "; no number of segments stands out as the point where adding more stops paying off (no elbow of inertia)."
        )
    )
    why = i18n.concat(*parts)
    t["chosen"] = t["k"] == k
    return k, t, why
