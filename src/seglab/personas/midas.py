"""The MIDAS scorecard: Measurable, Identifiable/Definable, Accessible, Substantial, each graded
pass, warn or fail with its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import Midas
from seglab.i18n import N_
from seglab.vocabulary import MIDAS_CRITERIA

if TYPE_CHECKING:
    pass
from seglab.personas.explain import segment_rules
from seglab.personas.profiles import joined, profile


def _grade(value: float, pass_at: float, warn_at: float) -> str:
    if pd.isna(value):
        return "warn"
    return "pass" if value >= pass_at else "warn" if value >= warn_at else "fail"


@dataclass(frozen=True)
class MidasInputs:
    """What the MIDAS scorecard grades: the feature table (one row per customer), the segments
    (customer_id, segment), the rows as clustered (the prepared features, for the silhouette), the
    persona names (segment, persona) and the features the segment rules may ask about.
    """

    features: pd.DataFrame
    segments: pd.DataFrame
    embedding: np.ndarray
    personas: pd.DataFrame
    fidelity_cols: list[str]


def midas(inputs: MidasInputs, params: Midas, seed: int) -> pd.DataFrame:
    """The MIDAS scorecard: one row per segment and criterion with result and evidence."""
    features, segments, fidelity_cols = inputs.features, inputs.segments, inputs.fidelity_cols
    df = joined(features, segments)
    prof = profile(features, segments, fidelity_cols).set_index("segment")
    names = inputs.personas.set_index("segment")["persona"]
    rng = np.random.default_rng(seed)
    n = len(df)
    idx = rng.choice(n, size=min(n, 4000), replace=False) if n > 4000 else np.arange(n)
    labels = df["segment"].to_numpy()
    from sklearn.metrics import silhouette_samples

    sil = pd.Series(silhouette_samples(inputs.embedding[idx], labels[idx])).groupby(labels[idx]).mean()
    fidelity = segment_rules(features, segments, fidelity_cols, seed).set_index("segment")
    exactly_one = not segments["customer_id"].duplicated().any() and segments["segment"].notna().all()
    rows = []
    for seg, p in prof.iterrows():
        share, vshare = p["customer_share"], p["revenue_share"]
        value_text = (
            i18n.Note.of(
                N_("net value %(value)s (%(share)s of total)"),
                value=i18n.as_money(p["revenue"]),
                share=i18n.as_percent(vshare, 1),
            )
            if not pd.isna(vshare)
            else i18n.as_term(N_("value unknown"))
        )
        rows.append(
            (
                seg,
                "Measurable",
                _grade(share, params.min_share, params.min_share / 2),
                i18n.Note.of(
                    N_("%(customers)s customers (%(share)s), %(value)s"),
                    customers=int(p["customers"]),
                    share=i18n.as_percent(share, 1),
                    value=value_text,
                ),
            )
        )
        s = sil.get(seg, np.nan)
        ident = "fail" if not exactly_one else _grade(s, 0.25, 0.0)
        rows.append(
            (
                seg,
                "Identifiable",
                ident,
                i18n.Note.of(
                    N_(
                        "every customer in exactly one segment: yes; how much closer its customers are to their own "
                        "segment than to the next one, from -1 (closer to the next) to 1 (far apart): %(silhouette)s "
                        "(mean silhouette)"
                    )
                    if exactly_one
                    else N_(
                        "every customer in exactly one segment: NO; how much closer its customers are to their own "
                        "segment than to the next one, from -1 (closer to the next) to 1 (far apart): %(silhouette)s "
                        "(mean silhouette)"
                    ),
                    silhouette=i18n.as_number(s, 2),
                ),
            )
        )
        f = fidelity.loc[seg]
        rows.append(
            (
                seg,
                "Definable",
                _grade(f["fidelity"], params.min_fidelity, params.min_fidelity - 0.15),
                i18n.Note.of(
                    N_(
                        "a rule of at most 3 questions (decision tree) finds %(recall)s of its customers, "
                        "%(precision)s of those it selects belong to it (fidelity %(fidelity)s)"
                    ),
                    recall=i18n.as_percent(f["recall"]),
                    precision=i18n.as_percent(f["precision"]),
                    fidelity=i18n.as_number(f["fidelity"], 2),
                ),
            )
        )
        if "reachable" in p.index and not pd.isna(p.get("reachable")):
            reach = p["reachable"]
            rows.append(
                (
                    seg,
                    "Actionable",
                    _grade(reach, params.min_reachable, params.min_reachable / 2),
                    i18n.Note.of(N_("%(share)s may be contacted by e-mail or SMS"), share=i18n.as_percent(reach)),
                )
            )
        else:
            rows.append((seg, "Actionable", "warn", N_("no contact-permission data: reachability unknown")))
        trend = p.get("spend_trend", np.nan)
        viable = _grade(vshare, params.min_value_share, params.min_value_share / 2)
        if viable == "pass" and not pd.isna(trend) and trend < -0.2:
            viable = "warn"
        evidence = (
            N_("value unknown: no column measures customer value")
            if pd.isna(vshare)
            else i18n.Note.of(N_("%(share)s of net value"), share=i18n.as_percent(vshare, 1))
        )
        if not pd.isna(trend):
            more = i18n.Note.of(N_("; mean spend trend %(trend)s"), trend=i18n.as_number(trend, 2, True))
            evidence = i18n.concat(evidence, more)
        rows.append((seg, "Viable", viable, evidence))
    out = pd.DataFrame(rows, columns=["segment", "criterion", "result", "evidence"])
    out["evidence"] = out["evidence"].map(i18n.as_text)  # (a note: said where shown)
    out.insert(1, "persona", out["segment"].map(names))
    return out


def midas_wide(card: pd.DataFrame) -> pd.DataFrame:
    """Segment x criterion table of pass / warn / fail."""
    wide = card.pivot(index=["segment", "persona"], columns="criterion", values="result")
    return wide[list(MIDAS_CRITERIA)].reset_index()
