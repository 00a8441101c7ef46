"""How robust each placement is: the weights drawn again (sensitivity), the reasons a placement is
fragile, the budget and the actions.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from seglab import i18n
from seglab.config import (
    ABILITY_COMPONENTS,
    ATTRACTIVENESS_COMPONENTS,
    Prioritization,
)
from seglab.i18n import N_, _
from seglab.prioritization.components import ANALYST, COMPONENT_LABELS, semicolons, share_beside
from seglab.text import esc
from seglab.vocabulary import NOT_PLACED, QUADRANTS, segment_code


def _components(bm: pd.DataFrame) -> np.ndarray:
    return bm[[*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]].to_numpy(dtype=float)


def _weights(params: Prioritization, measured: dict[str, str]) -> np.ndarray:
    """The weights of every component, 0 for one left out of its axis (not measured)."""
    att = [
        params.weights.attractiveness.get(c, 0.0) if c in measured or c in ANALYST else 0.0
        for c in ATTRACTIVENESS_COMPONENTS
    ]
    win = [params.weights.ability_to_win.get(c, 0.0) if c in measured else 0.0 for c in ABILITY_COMPONENTS]
    return np.array(att + win)


def sensitivity(bm: pd.DataFrame, params: Prioritization, seed: int) -> pd.DataFrame:
    """How often each segment keeps its computed quadrant when the weights are perturbed.

    Returns per segment: persona, computed quadrant, stay share, the share of draws in each
    quadrant, the most frequent other quadrant and ``fragile`` (stay share < fragile_below).
    """
    sp = params.sensitivity
    comp = np.nan_to_num(_components(bm), nan=0.5)  # segments x components (scaled); unmeasured ones weigh 0
    names = [*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS]
    base = _weights(params, bm.attrs.get("measured") or {c: "data" for c in names})
    if not (bm["computed_quadrant"] != NOT_PLACED).all():
        sp = sp.model_copy(update={"draws": 0})  # nothing placed: nothing to perturb
    rng = np.random.default_rng(seed)
    w = base * np.exp(rng.normal(0.0, sp.spread, size=(sp.draws, len(names))))  # draws x components
    na = len(ATTRACTIVENESS_COMPONENTS)
    a = (w[:, :na] @ comp[:, :na].T) / w[:, :na].sum(axis=1, keepdims=True)  # draws x segments
    b = (w[:, na:] @ comp[:, na:].T) / w[:, na:].sum(axis=1, keepdims=True)
    t = params.threshold
    quad = np.where(a >= t, np.where(b >= t, "Target", "Convert"), np.where(b >= t, "Grow", "Ignore"))
    out = pd.DataFrame(
        {
            "segment": bm["segment"].to_numpy(),
            "persona": bm["persona"].to_numpy(),
            "computed_quadrant": bm["computed_quadrant"].to_numpy(),
        }
    )
    for q in QUADRANTS:
        out[f"share_{q}"] = (quad == q).mean(axis=0) if sp.draws else np.nan
    share = out[[f"share_{q}" for q in QUADRANTS]].set_axis(list(QUADRANTS), axis=1)
    own = share.columns.to_numpy() == out["computed_quadrant"].to_numpy()[:, None]
    out["stay_share"] = share.where(own).max(axis=1)
    others = share.mask(own, -1.0)  # the most frequent other quadrant (first in QUADRANTS on a tie)
    out["else_most_often"] = others.idxmax(axis=1).where(others.max(axis=1) > 0, "") if sp.draws else ""
    reasons = fragility(bm, out, params)
    out["fragile"] = [bool(r) for r in reasons]
    out["fragile_reasons"] = [json.dumps(r, ensure_ascii=False) for r in reasons]
    return out


#: Why a placement is fragile: each reason is kept as data (an id and its numbers) and said here,
#: in the reader's language, where it is shown (:func:`fragility_text`).
FRAGILE_REASONS = {
    "weights": N_(
        "kept its quadrant in %(share)s of the weight changes (fragile below %(rule)s); otherwise mostly %(other)s"
    ),
    "ignore_share": N_(
        "the segments placed in Ignore (%(segments)s) hold %(share)s of the customers (fragile at %(rule)s or "
        "more): giving that many customers no budget needs more evidence than the matrix"
    ),
    "one_component": N_("%(axis)s rests on %(component)s alone: the only component of that axis measured and weighted"),
    ("decides", "attractiveness", False): N_(
        "without %(component)s, the other components of attractiveness would make it attractive"
    ),
    ("decides", "attractiveness", True): N_(
        "without %(component)s, the other components of attractiveness would make it less attractive"
    ),
    ("decides", "ability_to_win", False): N_(
        "without %(component)s, the other components of ability to win would make it easy to win"
    ),
    ("decides", "ability_to_win", True): N_(
        "without %(component)s, the other components of ability to win would make it hard to win"
    ),
}
AXES = {"attractiveness": N_("attractiveness"), "ability_to_win": N_("ability to win")}


def fragility(bm: pd.DataFrame, sens: pd.DataFrame, params: Prioritization) -> list[list[dict]]:
    """Why each placement is fragile (see the module doc), as data: per segment (in ``bm``'s order) a
    list of reasons, each a dict with an ``id`` (``weights``, ``ignore_share``, ``one_component``,
    ``decides``) and its numbers; empty when the placement is not fragile or not placed.
    """
    sp = params.sensitivity
    reasons: list[list[dict]] = [[] for _i in range(len(bm))]
    if sp.draws:
        for i, (stay, other) in enumerate(zip(sens["stay_share"], sens["else_most_often"], strict=True)):
            if stay < sp.fragile_below:
                reasons[i].append({"id": "weights", "share": float(stay), "rule": sp.fragile_below, "other": other})
    ignore = (bm["computed_quadrant"] == "Ignore").to_numpy()
    if "customer_share" in bm and ignore.any():
        held = float(bm.loc[ignore, "customer_share"].sum())
        if held >= sp.fragile_ignore_share:
            segments = [int(s) for s in bm.loc[ignore, "segment"]]
            for i in np.flatnonzero(ignore):
                reasons[i].append(
                    {"id": "ignore_share", "share": held, "rule": sp.fragile_ignore_share, "segments": segments}
                )
    measured = bm.attrs.get("measured") or dict.fromkeys((*ATTRACTIVENESS_COMPONENTS, *ABILITY_COMPONENTS), "data")
    placed = (bm["computed_quadrant"] != NOT_PLACED).to_numpy()
    for axis, weights in (
        ("attractiveness", params.weights.attractiveness),
        ("ability_to_win", params.weights.ability_to_win),
    ):
        used = {
            c: w for c, w in weights.items() if w > 0 and (c in measured or (axis == "attractiveness" and c in ANALYST))
        }
        core = [c for c in used if c in measured]
        for i, (_i, r) in enumerate(bm.iterrows()):
            if placed[i] and core:
                reasons[i] += _rests_on(r, axis, used, core, params.threshold)
    return reasons


def _rests_on(r: pd.Series, axis: str, used: dict[str, float], core: list[str], threshold: float) -> list[dict]:
    """The reasons a segment's side of ``axis`` rests on one component: the only one measured
    (``core``: the measured components with a weight), or one whose weighted pull decides the side
    (the others alone, with their weights, would put it on the other side of the threshold).
    """
    if len(core) == 1:
        return [{"id": "one_component", "axis": axis, "component": core[0]}]
    high = bool(r[axis] >= threshold)
    out = []
    for j in core:
        others = {c: w for c, w in used.items() if c != j}
        alone = sum(w * (0.5 if pd.isna(r[c]) else float(r[c])) for c, w in others.items()) / sum(others.values())
        if (alone >= threshold) != high:
            out.append({"id": "decides", "axis": axis, "component": j, "high": high})
    return out


def fragility_text(reasons) -> list[str]:
    """The reasons of :func:`fragility` (a list, or its JSON as stored in ``boston_sensitivity.csv``)
    in the reader's language; every share compared with its rule is shown on its own side of it.
    """
    if isinstance(reasons, str):
        reasons = json.loads(reasons) if reasons.strip() else []
    out = []
    for r in reasons or []:
        rid = r.get("id")
        if rid in ("weights", "ignore_share"):
            values = {"share": i18n.say(share_beside(r["share"], r["rule"])), "rule": i18n.percent_exact(r["rule"])}
            if rid == "weights":
                values["other"] = _(r["other"]) if r.get("other") else "–"
            else:
                values["segments"] = i18n.join(segment_code(s) for s in r["segments"])
            out.append(_(FRAGILE_REASONS[rid]) % values)
        elif rid == "one_component":
            out.append(
                _(FRAGILE_REASONS[rid]) % {"axis": _(AXES[r["axis"]]), "component": _(COMPONENT_LABELS[r["component"]])}
            )
        elif rid == "decides":
            template = FRAGILE_REASONS[("decides", r["axis"], bool(r["high"]))]
            out.append(_(template) % {"component": _(COMPONENT_LABELS[r["component"]])})
    return out


def weights_table(params: Prioritization) -> pd.DataFrame:
    """The weights of both axes as a long table (axis, component, weight, share of the axis)."""
    rows = []
    for axis, weights in (
        (_("attractiveness"), params.weights.attractiveness),
        (_("ability to win"), params.weights.ability_to_win),
    ):
        total = sum(weights.values())
        rows += [
            {"axis": axis, "component": _(COMPONENT_LABELS.get(c, c)), "weight": w, "share of axis": w / total}
            for c, w in weights.items()
        ]
    return pd.DataFrame(rows)


def sensitivity_text(sens: pd.DataFrame, params: Prioritization) -> str:
    """Which placements are fragile and why (every reason of :func:`fragility`), in words."""
    sp = params.sensitivity
    if sp.draws == 0:
        head = _("Sensitivity analysis is off (`prioritization.sensitivity.draws: 0`).")
    else:
        head = i18n.digits(  # (the formula's 0 too)
            _(
                "%(draws)s random weight sets (each weight × exp(N(0, %(spread)s²))); a placement kept in fewer "
                "than %(share)s of them is *fragile*."
            )
            % {
                "draws": i18n.number(sp.draws),
                "spread": f"{sp.spread}",
                "share": i18n.percent_exact(sp.fragile_below),
            }
        )
    head += " " + _(
        "A placement is fragile too when the segments placed in Ignore hold %(share)s of the customers or more, "
        "or when it rests on one component (the only one of its axis, or one without which the others would put "
        "it on the other side of the threshold)."
    ) % {"share": i18n.percent_exact(sp.fragile_ignore_share)}
    lines = [head]
    for _i, r in sens.iterrows():
        if r["fragile"]:
            lines.append(
                f"- **S{r['segment']} {esc(i18n.term(r['persona']))}** ({_(r['computed_quadrant'])}): "
                + esc(i18n.say(semicolons(fragility_text(r.get("fragile_reasons", "[]")))))
            )
    if len(lines) == 1:
        lines.append("- " + _("No placement is fragile: each keeps its quadrant and rests on more than one component."))
    return "\n".join(lines)


def budget_text(bm: pd.DataFrame, params: Prioritization) -> str:
    """The budget policy in words, with the split it gives."""
    b = params.budget
    weights = i18n.join(f"{_(q)} {i18n.digits(f'{w:g}')}" for q, w in b.quadrant_weights.items())
    basis = _(bm["budget_basis"].iloc[0]) if len(bm) else _("value")
    if len(bm) and (bm["computed_quadrant"] == NOT_PLACED).all():
        return _(
            "A budget of %(total)s is split in proportion to each segment's attractiveness x its %(basis)s "
            "(ability to win is not measured, so no quadrant weights apply)."
        ) % {"total": i18n.money(b.total), "basis": basis}
    return _(
        "A budget of %(total)s is split in proportion to each segment's quadrant weight (%(weights)s) x its "
        "%(basis)s, so no segment gets more than one of at least equal value in a higher-priority quadrant."
    ) % {"total": i18n.money(b.total), "weights": weights, "basis": basis}


def action_table(bm: pd.DataFrame) -> pd.DataFrame:
    """What to do with each segment, Target first, then Convert, Grow and Ignore; the analyst's
    reasons only where an analyst gave one (an empty column says nothing to a reader).
    """
    # the columns a reader decides by first (in view on a phone), then the scores and the reasons
    cols = [
        "segment",
        "persona",
        "quadrant",
        "action",
        "budget",
        "budget_share",
        "attractiveness",
        "ability_to_win",
        "decided_by",
        "budget_how",
        "override_reason",
        "analyst_reason",
    ]
    reasons = [c for c in ("override_reason", "analyst_reason") if c in bm]
    empty = [c for c in reasons if bm[c].fillna("").astype(str).str.strip().eq("").all()]
    cols = [c for c in cols if c not in empty]
    order = bm["quadrant"].map({q: i for i, q in enumerate((*QUADRANTS, NOT_PLACED))})
    rank = -bm["attractiveness"]
    return (
        bm.assign(_order=order, _rank=rank)
        .sort_values(["_order", "_rank", "segment"], kind="mergesort")[cols]
        .reset_index(drop=True)
    )
