"""Stage 05, prioritisation: the Boston matrix of segments.

Attractiveness (of the segment to the business) and ability to win (our capacity to
attract it) are weighted means of components, each on a 0..1 scale:

attractiveness
  size                share of customers
  growth              growth of the segment's share of the active customers (seglab.monitoring.growth:
                      the frozen model applied period by period; a rise of the whole base is not
                      growth), 0 where resampling explains the change (seglab.monitoring.matrix_growth);
                      unknown for a segment: neutral in its attractiveness, with a note
  value_per_customer  mean net value per customer
  total_value         net value of the segment
  predicted_value     expected spend of the segment in the next period (stage 04's prediction)
  competition         analyst input, 0 = fierce competition .. 1 = none (neutral 0.5)
  fit                 analyst input, fit with the company or brand (neutral 0.5)
  outcome             the outcome columns (churn, response, subscribed, ...: features_meta.json's
                      ``outcomes``) with a direction: the mean of each one's rate per segment scaled
                      0..1 across segments (lowest 0, highest 1; reversed for a bad outcome such as
                      churn). Weight 0 by default: shown per segment, in attractiveness only when the
                      analyst gives it a weight
ability to win
  appeal              mean of the campaign click, campaign conversion and visit conversion
                      rates present in the data
  coverage            share of customers reachable by e-mail or SMS
  media_mix           number of channels carrying at least 10 % of the segment's orders / 3
                      (or an analyst input)
  credibility         1 - returned share of purchases; averaged with survey satisfaction
                      (a profile column whose name contains "satisf", scaled 0..1) when present

Data components are scaled to 0..1 across segments: amounts (size, value per customer,
total value) as a ratio to the largest segment, the others min-max (lowest 0, highest 1); a
constant component is neutral (0.5). A component without data is **not measured**: it is left out
of its axis (its weight does not count) and the notes say so; the value components are not
measured when the customer value is unknown, the predicted value when the prediction does not
beat the naive forecast. Analyst inputs (``analyst_inputs``) replace a component for a segment;
competition and fit are neutral (0.5) unless given, which the assumptions say.
An axis with no measured component is **not measured**: segments are not placed on the matrix
(quadrant "Not placed"); they are ranked by the measured axis and the analyst inputs that would
complete the matrix are asked for. Quadrant rule: an axis is high when its score is >=
``threshold`` (default 0.5): Target = both high, Convert = attractive only, Grow = winnable only,
Ignore = neither. Analyst overrides replace the quadrant and keep the computed one and the reason.

What decided a placement is said in facts with their units (49 % reachable by e-mail or SMS,
returns 20 % of purchases, EUR 356 per customer), each with the segment's rank on that component,
never as the 0..1 scores (those stay in ``boston_matrix.csv``).

Fragility: a placement is *fragile*, with each reason kept as data (an id and its numbers,
rendered in the reader's language where shown: :func:`fragility_text`), when

- ``weights``: it keeps its quadrant in fewer than ``sensitivity.fragile_below`` of the draws
  that multiply every weight by exp(N(0, spread^2)) (the *stay share*);
- ``ignore_share``: it is in Ignore and the segments placed in Ignore hold at least
  ``sensitivity.fragile_ignore_share`` of the customers (no budget for that many customers is a
  decision that needs more than the matrix);
- ``one_component``: one of its axes has a single measured component with a weight (e.g. ability
  to win from campaign answers alone): that axis, and so the placement, rests on it;
- ``decides``: on one of its axes, one component's weighted pull decides the side of the
  threshold: the axis's other components, weighted alone, would put the segment on the other side
  (equivalently, w_j x (c_j - threshold) / sum of the weights is larger than the axis's distance to
  the threshold and on the same side).

When attractiveness has no measured and weighted component but size, the segments are ranked by
size only: :func:`basis` says so, with the parameter lines or data that would add information.

Budget: a segment's budget is proportional to its quadrant's weight (``budget.quadrant_weights``,
non-increasing from Target to Ignore) times its value (the predicted next-period spend when the
prediction beats the naive forecast, else the observed net value; the number of customers when the
value is unknown). So a segment never gets more than a segment of at least equal value in a
higher-priority quadrant. Segments not placed get attractiveness x value.

The modules, lowest first: ``components`` (each component measured or given, scaled, and the
axes), ``facts`` (what decided a placement, in units), ``evidence`` (what the matrix rests on and
what would add information), ``matrix`` (the placement and the budget), ``robustness`` (the
weights drawn again, fragility, the budget and action tables).
"""

from __future__ import annotations

from seglab.prioritization.components import (
    ABILITY_INPUTS,
    ACTIONS,
    ANALYST,
    APPEAL_PARTS,
    CHANNELS,
    COMPONENT_LABELS,
    DIRECTIONS,
    MEDIA_MIX_LEAST,
    OUTCOME_KINDS,
    RATIO_SCALED,
    normalise,
    outcome_rates,
    outcome_table,
    quadrant,
    raw_components,
    share_beside,
    share_text,
)
from seglab.prioritization.evidence import (
    NEEDS,
    assumptions,
    basis,
    basis_markdown,
    basis_text,
    facts_table,
    rests_on_text,
)
from seglab.prioritization.facts import FACTS, Inputs, analyst_template, decided_by
from seglab.prioritization.matrix import boston_matrix, budget, budget_how
from seglab.prioritization.robustness import (
    AXES,
    FRAGILE_REASONS,
    action_table,
    budget_text,
    fragility,
    fragility_text,
    sensitivity,
    sensitivity_text,
    weights_table,
)
from seglab.vocabulary import NOT_PLACED, QUADRANTS  # the matrix's quadrants, for its callers

__all__ = [
    "NOT_PLACED",
    "QUADRANTS",
    "ABILITY_INPUTS",
    "ACTIONS",
    "ANALYST",
    "APPEAL_PARTS",
    "AXES",
    "CHANNELS",
    "COMPONENT_LABELS",
    "DIRECTIONS",
    "FACTS",
    "FRAGILE_REASONS",
    "Inputs",
    "MEDIA_MIX_LEAST",
    "NEEDS",
    "OUTCOME_KINDS",
    "RATIO_SCALED",
    "action_table",
    "analyst_template",
    "assumptions",
    "basis",
    "basis_markdown",
    "basis_text",
    "boston_matrix",
    "budget",
    "budget_how",
    "budget_text",
    "decided_by",
    "facts_table",
    "fragility",
    "fragility_text",
    "normalise",
    "outcome_rates",
    "outcome_table",
    "quadrant",
    "raw_components",
    "rests_on_text",
    "sensitivity",
    "sensitivity_text",
    "share_beside",
    "share_text",
    "weights_table",
]
