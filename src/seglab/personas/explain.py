"""The plain-language rules of a segment: a depth-3 decision tree per segment (one against the
rest), its fidelity, and the features that tell segments apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.i18n import N_, _
from seglab.text import esc
from seglab.vocabulary import segment_code

if TYPE_CHECKING:
    from sklearn.tree import DecisionTreeClassifier
from seglab.personas.profiles import SHARE_FEATURES, feature_value, joined, known_facts, named_feature


# --------------------------------------------------------------------------------------------
# MIDAS
# --------------------------------------------------------------------------------------------
def _tree_inputs(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    return df[cols].astype(float).fillna(df[cols].astype(float).median()).fillna(0.0).to_numpy(dtype=float)


def _one_vs_rest_trees(df: pd.DataFrame, cols: list[str], seed: int):
    """Per segment, the depth-3 decision tree separating it from all other customers."""
    x = _tree_inputs(df, cols)
    for seg in sorted(df["segment"].unique()):
        y = (df["segment"] == seg).to_numpy()
        from sklearn.tree import DecisionTreeClassifier  # (scikit-learn loads when first used)

        yield int(seg), x, y, DecisionTreeClassifier(max_depth=3, random_state=seed).fit(x, y)


def segment_rules(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], seed: int) -> pd.DataFrame:
    """Per segment, a depth-3 decision tree separating it from all other customers (one vs rest).

    Returns segment, precision (share of customers the rule selects that are in the segment),
    recall (share of the segment the rule selects) and fidelity = their harmonic mean (F1).
    """
    rows = []
    for seg, x, y, tree in _one_vs_rest_trees(joined(features, segments), cols, seed):
        pred = tree.predict(x)
        tp = float((pred & y).sum())
        precision = tp / pred.sum() if pred.sum() else 0.0
        recall = tp / y.sum()
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"segment": seg, "precision": precision, "recall": recall, "fidelity": f1})
    return pd.DataFrame(rows)


def _threshold_text(feature: str, values: pd.Series, low: float | None, high: float | None) -> str:
    """One feature's condition on a tree path (``low < value <= high``) in plain words."""
    name = named_feature(feature)
    distinct = values.dropna().unique()
    if "=" in feature and set(distinct) <= {0.0, 1.0}:  # a one-hot column: "gender=female"
        column, level = feature.split("=", 1)
        said = N_("%(column)s is %(level)s") if low is not None else N_("%(column)s is not %(level)s")
        return i18n.Note.of(said, column=i18n.as_term(column.replace("_", " ")), level=level)
    if set(distinct) <= {0.0, 1.0}:  # a flag (opt-ins, reachable)
        return i18n.Note.of(N_("%(feature)s: yes") if low is not None else N_("%(feature)s: no"), feature=name)
    integer = bool(len(distinct)) and bool(np.all(np.mod(distinct.astype(float), 1) == 0))

    def show(v: float, upper: bool) -> i18n.Value | str:
        if integer:
            return i18n.as_number(int(np.floor(v)) if upper else int(np.floor(v)) + 1)
        if feature in SHARE_FEATURES:
            return i18n.as_percent(v)
        return feature_value(feature, v)

    if low is not None and high is not None:
        said = N_("%(feature)s from %(low)s to %(high)s") if integer else N_("%(feature)s between %(low)s and %(high)s")
        return i18n.Note.of(said, feature=name, low=show(low, False), high=show(high, True))
    if high is not None:
        return i18n.Note.of(N_("%(feature)s at most %(value)s"), feature=name, value=show(high, True))
    at = N_("%(feature)s at least %(value)s") if integer else N_("%(feature)s above %(value)s")
    return i18n.Note.of(at, feature=name, value=show(low, False))


def _leaf_paths(tree: DecisionTreeClassifier) -> dict[int, list[tuple[int, str, float]]]:
    """Leaf node -> the conditions (feature index, '<=' or '>', threshold) on the way to it."""
    t = tree.tree_
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack = [(0, [])]
    while stack:
        node, conds = stack.pop()
        if t.children_left[node] == t.children_right[node]:  # a leaf
            paths[node] = conds
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((t.children_left[node], [*conds, (f, "<=", thr)]))
        stack.append((t.children_right[node], [*conds, (f, ">", thr)]))
    return paths


def definable_rules(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], seed: int) -> pd.DataFrame:
    """The if-then rules of each segment's depth-3 tree, in plain language.

    One row per leaf that the tree assigns to the segment: segment, rule (the conditions joined
    by "and"; several conditions on one feature merged into one range), customers (how many
    customers the rule selects), precision (share of them in the segment) and covers (share of
    the segment's customers it selects). Rows are ordered by segment, then by coverage.
    """
    df = joined(features, segments)
    rows = []
    for seg, x, y, tree in _one_vs_rest_trees(df, cols, seed):
        leaves = tree.apply(x)
        for leaf, conds in _leaf_paths(tree).items():
            at = leaves == leaf
            if not at.any() or y[at].mean() <= 0.5:  # the tree assigns the leaf to the rest
                continue
            bounds: dict[int, list[float | None]] = {}
            for f, op, thr in conds:
                low, high = bounds.setdefault(f, [None, None])
                if op == ">":
                    bounds[f][0] = thr if low is None else max(low, thr)
                else:
                    bounds[f][1] = thr if high is None else min(high, thr)
            parts = [
                _threshold_text(cols[f], df[cols[f]].astype(float), lo, hi)
                for f, (lo, hi) in sorted(bounds.items(), key=lambda kv: [c[0] for c in conds].index(kv[0]))
            ]
            rows.append(
                {
                    "segment": seg,
                    "rule": i18n.as_text(i18n.joined(parts, N_(" and "))) if parts else N_("every customer"),
                    "customers": int(at.sum()),
                    "precision": float(y[at].mean()),
                    "covers": float(y[at].sum() / y.sum()),
                }
            )
    out = pd.DataFrame(rows, columns=["segment", "rule", "customers", "precision", "covers"])
    with i18n.using("en"):  # ties in the order of the rules' English words, the same in every language
        key = out.assign(words=out["rule"].map(i18n.say))
    order = key.sort_values(["segment", "covers", "words"], ascending=[True, False, True], kind="mergesort").index
    return out.loc[order].reset_index(drop=True)


#: A rule is shown when it covers at least this share of its segment (a rule that picks out two
#: customers says nothing a marketer can use; every rule stays in definable_rules.csv).
RULE_MIN_COVER = 0.05


def rules_markdown(rules: pd.DataFrame, fidelity: pd.DataFrame, names: dict[int, str]) -> str:
    """The rules of every segment as a markdown list, with each segment's fidelity; rules that
    cover under :data:`RULE_MIN_COVER` of their segment are counted, not listed.
    """
    fid = fidelity.set_index("segment")["fidelity"]
    lines = []
    for seg, whole in rules.groupby("segment", sort=True):
        group = whole[whole["covers"] >= RULE_MIN_COVER]
        small = len(whole) - len(group)
        fidelity_text = _("(fidelity %(fidelity)s)") % {
            "fidelity": i18n.number(fid.get(seg, np.nan), 2, grouping=False)
        }
        lines.append(f"**S{seg}{_(' · ')}{esc(i18n.term(names.get(seg, '')))}** {fidelity_text}")
        for r in group.itertuples():
            lines.append(
                "- "
                + _(
                    "IF %(rule)s THEN %(segment)s: selects %(customers)s customers, %(precision)s of them in "
                    "%(segment)s; covers %(covers)s of %(segment)s"
                )
                % {
                    "rule": esc(i18n.say(r.rule)),
                    "segment": segment_code(seg),
                    "customers": i18n.number(r.customers),
                    "precision": i18n.percent(r.precision),
                    "covers": i18n.percent(r.covers),
                }
            )
        if small:
            lines.append(
                "- "
                + i18n.ngettext(
                    "%(n)s more rule covers under %(share)s of %(segment)s: not shown (it is in definable_rules.csv)",
                    "%(n)s more rules each cover under %(share)s of %(segment)s: not shown (they are in "
                    "definable_rules.csv)",
                    small,
                )
                % {"n": i18n.number(small), "share": i18n.percent(RULE_MIN_COVER), "segment": segment_code(seg)}
            )
        lines.append("")
    missing = sorted(set(fid.index) - set(rules["segment"]))
    for seg in missing:
        lines.append(
            f"**S{seg}{_(' · ')}{esc(i18n.term(names.get(seg, '')))}**: "
            + _(
                "no rule of three questions picks out a majority of this segment (fidelity 0): it is not Definable "
                "by simple rules."
            )
        )
    return "\n".join(lines)


def distinguishing(features: pd.DataFrame, segments: pd.DataFrame, cols: list[str], n: int = 5) -> pd.DataFrame:
    """The features that most set each segment apart: effect size (Cohen's d) of the segment
    against all other customers, (mean in segment - mean of the rest) / pooled standard deviation.

    Returns the ``n`` largest |d| per segment: segment, feature, segment_mean, rest_mean, effect_size.
    """
    df = known_facts(joined(features, segments))
    rows = []
    for seg in sorted(df["segment"].unique()):
        inside = df["segment"] == seg
        a, b = df.loc[inside, cols].astype(float), df.loc[~inside, cols].astype(float)
        if not len(b):
            continue
        na, nb = a.count(), b.count()
        pooled = np.sqrt(((na - 1) * a.var() + (nb - 1) * b.var()) / (na + nb - 2))
        d = ((a.mean() - b.mean()) / pooled.replace(0, np.nan)).dropna()
        for f in d.abs().sort_values(ascending=False, kind="mergesort").index[:n]:
            rows.append(
                {
                    "segment": int(seg),
                    "feature": f,
                    "segment_mean": a[f].mean(),
                    "rest_mean": b[f].mean(),
                    "effect_size": float(d[f]),
                }
            )
    return pd.DataFrame(rows, columns=["segment", "feature", "segment_mean", "rest_mean", "effect_size"])
