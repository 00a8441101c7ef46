"""The classroom shop: a small synthetic CRM (1,000 customers, one year) run through seglab's own
stages, with the planted archetype of every customer, so learners can check what they find.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seglab_workshop import SEED

if TYPE_CHECKING:
    from seglab.config import Params
    from seglab.features import Built
    from seglab.segmentation import SegmentationResult

#: The shop of the workshop: small enough that every notebook runs in seconds.
CUSTOMERS, MONTHS, START = 1000, 12, "2024-01-01"
#: The window of behaviour W5's monitoring sees each quarter through (a quarter: the year holds four).
WATCH_DAYS = 91


@dataclass
class Classroom:
    """The shop's tables, seglab's features and segments of it, and the planted truth."""

    params: Params
    tables: dict[str, pd.DataFrame]
    quality: dict
    truth: pd.DataFrame  # customer_id, archetype (planted)
    home: Path | None = None  # where the shop's data is kept (its segmentation too)
    _built: Built | None = field(default=None, repr=False)
    _segments: SegmentationResult | None = field(default=None, repr=False)
    _tracked: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def transactions(self) -> pd.DataFrame:
        """The order lines (returns are negative quantities)."""
        return self.tables["transactions"]

    @property
    def customers(self) -> pd.DataFrame:
        """One row per customer: attributes and contact permissions."""
        return self.tables["customers"]

    @property
    def built(self) -> Built:
        """Seglab's features of every customer (stage 02), computed once."""
        if self._built is None:
            from seglab import features

            self._built = features.build(self.tables, self.params.features, self.quality)
        return self._built

    @property
    def features(self) -> pd.DataFrame:
        """One row per customer, the columns of seglab's feature catalog."""
        return self.built.features

    @property
    def as_of(self) -> pd.Timestamp:
        """The date the features are computed at (the day after it is not seen)."""
        return pd.Timestamp(self.features.attrs["as_of"])

    @property
    def segmentation(self) -> SegmentationResult:
        """Seglab's segmentation of the shop (stage 03, k chosen from the evidence): chosen once per
        machine and shared by every notebook (:func:`shared_segmentation`).
        """
        if self._segments is None:
            self._segments = shared_segmentation(self)
        return self._segments

    @property
    def tracked(self) -> pd.DataFrame:
        """The shop quarter by quarter, as seglab monitors it (stage 06's method): each customer
        active in a quarter (period_end, customer_id, segment, value), assigned by a model of the
        last :data:`WATCH_DAYS` days of behaviour (the shop's k, refitted on that window) from its
        own last :data:`WATCH_DAYS` days, so every quarter is seen through the same window. Its
        segments are its own (S1 here is not the whole year's S1). Computed once (a few seconds).
        """
        if self._tracked is None:
            from seglab import features, monitoring, segmentation

            window = self.params.features.model_copy(update={"window_days": WATCH_DAYS})
            built = features.build(self.tables, window, self.quality)
            fixed = self.params.segmentation.model_copy(update={"k": self.segmentation.model.k, "bootstrap": 0})
            model = segmentation.segment(built.features, fixed, self.params.seed).model
            quarters = self.params.monitoring.model_copy(update={"period": "quarter", "calendar": "as_of"})
            inputs = monitoring.Inputs(self.tables, window, self.quality, model, quarters, self.as_of)
            self._tracked = monitoring.track(inputs)
        return self._tracked

    def planted(self, customer_ids) -> pd.Series:
        """The planted archetype of each customer id."""
        return self.truth.set_index("customer_id")["archetype"].reindex(customer_ids)


def _kept(room: Classroom) -> tuple[Path, Path] | None:
    """The files that keep the shop's segmentation (its segments and its k evidence), named by
    what they depend on: seglab's version, the segmentation and feature parameters and the seed.
    """
    if room.home is None:
        return None
    from seglab import __version__

    key = json.dumps(
        [__version__, room.params.seed, room.params.segmentation.model_dump(), room.params.features.model_dump()],
        sort_keys=True,
        default=str,
    )
    stem = "segmentation-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    return room.home / f"{stem}-segments.parquet", room.home / f"{stem}-selection.parquet"


def shared_segmentation(room: Classroom) -> SegmentationResult:
    """The shop's segmentation, chosen once per machine: the first notebook to ask chooses k from
    the evidence (every k fitted, bootstrapped: the costly part) and keeps the segments and the k
    table beside the shop's data; every later one fits the kept k alone (a fraction of a second)
    and uses it only if it gives the same segments, customer for customer (else it chooses again).
    No pickle is read: the kept files are two Parquet tables.
    """
    import dataclasses

    from seglab import io, segmentation

    params, features = room.params, room.features
    files = _kept(room)
    if files is not None and all(f.is_file() for f in files):
        segments, selection = (pd.read_parquet(f) for f in files)
        k = int(selection.loc[selection["chosen"], "k"].iloc[0])
        fixed = segmentation.segment(
            features, params.segmentation.model_copy(update={"k": k, "bootstrap": 0}), params.seed
        )
        if (
            fixed.segments[["customer_id", "segment"]]
            .reset_index(drop=True)
            .equals(segments[["customer_id", "segment"]].reset_index(drop=True))
        ):
            return dataclasses.replace(fixed, selection=selection)
    result = segmentation.segment(features, params.segmentation, params.seed)
    if files is not None:
        try:
            io.atomic(files[0], lambda tmp: result.segments.to_parquet(tmp, index=False))
            io.atomic(files[1], lambda tmp: result.selection.to_parquet(tmp, index=False))
        except OSError:  # a read-only folder: each notebook chooses k itself, as before
            pass
    return result


def workspace() -> Path:
    """Where the classroom shop is generated (once per machine): a seglab clone's own folder (its
    ``data/raw``) when the notebooks run in one, else ``$SEGLAB_WORKSHOP_HOME`` or the user's cache
    folder (``~/.cache/seglab-workshop``): a hosted notebook (Colab, a JupyterHub) with seglab
    installed from its wheel, where nothing is downloaded and the shop is generated here.
    """
    import os

    from seglab.paths import ProjectNotFound, project_root

    if home := os.environ.get("SEGLAB_WORKSHOP_HOME"):
        return Path(home).expanduser()
    try:
        return project_root()
    except ProjectNotFound:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "seglab-workshop"


@cache
def classroom(seed: int = SEED) -> Classroom:
    """The classroom shop for ``seed`` (generated once under ``data/raw`` of :func:`workspace`, then
    read back).
    """
    from seglab import config
    from seglab.collection import collect

    params = config.validate(
        {
            "run_name": "workshop",
            "seed": seed,
            "source": {"kind": "synthetic", "synthetic": {"n_customers": CUSTOMERS, "months": MONTHS, "start": START}},
            # the whole year, as the exercises compute features by hand (W5 monitors with a window of
            # its own: Classroom.tracked)
            "features": {"window_days": "all"},
            "segmentation": {"k_min": 2, "k_max": 7, "bootstrap": 10},
        }
    )
    root = workspace()
    collected = collect.collect(params, root)
    truth = pd.read_parquet(collect.synthetic_folder(params, root) / "ground_truth.parquet")
    home = collect.synthetic_folder(params, root)
    return Classroom(params, collected.tables, collected.quality, truth[["customer_id", "archetype"]], home)


def sample_customers(room: Classroom, n: int = 8, seed: int = 0) -> list[str]:
    """A few customers with at least two purchase orders (a return is an order too, not a purchase),
    for computing features by hand.
    """
    tx = room.transactions
    orders = tx[tx["quantity"] > 0].groupby("customer_id")["order_id"].nunique()
    many = orders[orders >= 2].index.to_numpy()
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(many, size=min(n, len(many)), replace=False).tolist())
