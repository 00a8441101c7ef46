"""Stage 04, persona profiling: profiles against the whole base, persona names from the
archetypes of the method, and the MIDAS scorecard.

Persona naming rule (documented, overridable through ``personas.rules``):
  * every segment gets a z-profile: (segment mean - base mean) / base standard deviation
    of each feature;
  * each persona has weights on features; its score for a segment is
    sum(weight x z) / sum(|weight|) over the features present in the data, and is only
    computed when the present features carry at least half of the persona's total weight;
  * personas are matched one-to-one to segments maximising the total score (Hungarian
    algorithm), and a match is kept only when its score is at least ``personas.min_score``;
  * a segment without a persona gets a descriptive name from its two strongest traits;
  * confidence = the match score minus the segment's best other persona score:
    high >= 0.5, medium >= 0.2, low below.

The modules, lowest first: ``profiles`` (segment profiles and how their values read), ``naming``
(the archetypes' rules and the names), ``explain`` (each segment's plain-language rules),
``midas`` (the scorecard), ``cards`` (the persona cards), ``predict`` (next-period buying and
spend, stage 04's prediction).
"""

from __future__ import annotations

from seglab.personas.cards import (
    LIFECYCLE_CUES,
    MESSAGES,
    OFFERS,
    CardInputs,
    attribute_mix,
    best_time,
    contact_plan,
    lifecycle_cue,
    lifecycle_text,
    mix_table,
    mix_text,
    outcome_text,
    persona_cards,
    purchase_mixes,
    spend_mix,
    with_names,
)
from seglab.personas.explain import definable_rules, distinguishing, rules_markdown, segment_rules
from seglab.personas.midas import MidasInputs, midas, midas_wide
from seglab.personas.naming import (
    BULK_UNITS,
    DEFAULT_RULES,
    DEFINING,
    DESCRIPTIVE,
    HIGH,
    LOW,
    MEDIUM,
    NO_CHANNEL,
    PERSONA_NAMES,
    Wording,
    describe,
    name_personas,
    persona_scores,
    preferred_channel,
    traits,
)
from seglab.personas.profiles import (
    LABELS,
    NUMERIC_KINDS,
    PROFILE_FEATURES,
    SHARE_FEATURES,
    WEEKDAYS,
    joined,
    known_facts,
    label,
    profile,
    profile_columns,
    profile_view,
    z_profile,
)

__all__ = [
    "BULK_UNITS",
    "CardInputs",
    "DEFAULT_RULES",
    "DEFINING",
    "DESCRIPTIVE",
    "HIGH",
    "LABELS",
    "LIFECYCLE_CUES",
    "LOW",
    "MEDIUM",
    "MESSAGES",
    "MidasInputs",
    "NO_CHANNEL",
    "NUMERIC_KINDS",
    "OFFERS",
    "PERSONA_NAMES",
    "PROFILE_FEATURES",
    "SHARE_FEATURES",
    "WEEKDAYS",
    "Wording",
    "attribute_mix",
    "best_time",
    "contact_plan",
    "definable_rules",
    "describe",
    "distinguishing",
    "joined",
    "known_facts",
    "label",
    "lifecycle_cue",
    "lifecycle_text",
    "midas",
    "midas_wide",
    "mix_table",
    "mix_text",
    "name_personas",
    "outcome_text",
    "persona_cards",
    "persona_scores",
    "preferred_channel",
    "profile",
    "profile_columns",
    "profile_view",
    "purchase_mixes",
    "rules_markdown",
    "segment_rules",
    "spend_mix",
    "traits",
    "with_names",
    "z_profile",
]
