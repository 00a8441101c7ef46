"""The feature registry: every customer feature seglab computes, declared once.

Each entry gives the feature's name, lens, description, unit, what the input must hold for it
(``needs``), the short label readers see, the engine function that defines it (``defined_in``,
in :mod:`seglab.features`), whether it is log-transformed before clustering (money, counts,
days), stored as an integer, clustered on by default, used in persona traits and profiled.
The feature catalog (``feature_catalog.csv``), the default segmentation features, the persona
labels and the README's feature table all come from here.

Adding a feature: one entry here, and its definition in the function named by ``defined_in``
(a test checks that every entry is defined there and every defined column has an entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from seglab.i18n import N_


@dataclass(frozen=True)
class Feature:
    """One customer feature (see the module doc)."""

    name: str
    lens: str
    description: str
    unit: str
    needs: str = ""  # "table", "table.column" or "table.column=value" that must be present; "" = transactions only
    label: str = ""  # the short name readers see
    defined_in: str = (
        "transaction_features"  # the function of seglab.features (.definitions or .builder) whose result holds it
    )
    logged: bool = False  # log1p(max(x, 0)) before scaling (money, counts, days)
    integer: bool = False  # stored as an integer
    default: bool = False  # clustered on when segmentation.features is not given
    trait: bool = True  # used in persona traits and names (not: preferred hour, weekday, ...)
    profiled: bool = True  # shown in the segment profiles


CATALOG: tuple[Feature, ...] = (
    Feature(
        "recency_days",
        "behavioural",
        "days from the last purchase to as_of",
        "days",
        label=N_("days since last purchase"),
        logged=True,
    ),
    Feature(
        "frequency",
        "behavioural",
        "number of distinct purchase orders",
        "orders",
        label=N_("orders"),
        logged=True,
        integer=True,
        default=True,
    ),
    Feature(
        "monetary",
        "behavioural",
        "revenue net of returns",
        "currency",
        label=N_("net spend"),
        logged=True,
        default=True,
    ),
    Feature(
        "gross_revenue",
        "behavioural",
        "revenue of purchases before returns",
        "currency",
        label=N_("gross spend"),
        logged=True,
        profiled=False,
    ),
    Feature(
        "avg_order_value",
        "behavioural",
        "purchase revenue per order",
        "currency/order",
        label=N_("order value"),
        logged=True,
        default=True,
    ),
    Feature(
        "avg_basket_size",
        "behavioural",
        "units bought per order",
        "units/order",
        label=N_("units per order"),
        logged=True,
        default=True,
    ),
    Feature(
        "tenure_days",
        "behavioural",
        "days from signup (or the first purchase, if earlier or no signup date) to as_of; not limited by the window; "
        "only a lower bound where tenure_known is 0 (first seen near the data's start: may have bought before)",
        "days",
        label=N_("tenure (days)"),
        defined_in="_finish",
        logged=True,
    ),
    Feature(
        "interpurchase_mean_days",
        "behavioural",
        "mean days between consecutive orders (2+ orders)",
        "days",
        label=N_("days between orders"),
        logged=True,
    ),
    Feature(
        "interpurchase_cv",
        "behavioural",
        "coefficient of variation of days between orders (3+ orders); low = regular",
        "ratio",
        label=N_("irregularity of orders"),
    ),
    Feature(
        "spend_trend",
        "behavioural",
        "(later-half minus earlier-half purchase revenue) / total, halves of the "
        "span from the first purchase in the window to as_of; 0 with one order",
        "ratio -1..1",
        label=N_("spend trend"),
    ),
    Feature(
        "discount_share",
        "behavioural",
        "share of purchase revenue on discounted lines",
        "share 0..1",
        "transactions.discount",
        label=N_("discounted share"),
        default=True,
    ),
    Feature(
        "return_share",
        "behavioural",
        "returned value / purchase revenue",
        "share",
        label=N_("returned share"),
        default=True,
    ),
    Feature(
        "product_breadth",
        "behavioural",
        "distinct products bought",
        "products",
        "transactions.product_id",
        label=N_("distinct products"),
        logged=True,
        integer=True,
    ),
    Feature(
        "category_breadth",
        "behavioural",
        "distinct categories bought",
        "categories",
        "transactions.category",
        label=N_("categories"),
        logged=True,
        integer=True,
    ),
    Feature(
        "top_category_share",
        "behavioural",
        "share of purchase revenue in the customer's top category",
        "share 0..1",
        "transactions.category",
        label=N_("top-category share"),
        default=True,
    ),
    Feature(
        "web_share",
        "behavioural",
        "share of orders placed on the web",
        "share 0..1",
        "transactions.channel=web",
        label=N_("web share"),
        default=True,
    ),
    Feature(
        "store_share",
        "behavioural",
        "share of orders placed in a store",
        "share 0..1",
        "transactions.channel=store",
        label=N_("store share"),
        default=True,
    ),
    Feature(
        "app_share",
        "behavioural",
        "share of orders placed in the app",
        "share 0..1",
        "transactions.channel=app",
        label=N_("app share"),
    ),
    Feature(
        "preferred_hour",
        "behavioural",
        "hour of day of most orders, ties: the earliest (best time to reach)",
        "hour 0-23",
        label=N_("preferred hour"),
        integer=True,
        trait=False,
    ),
    Feature(
        "preferred_weekday",
        "behavioural",
        "weekday of most orders, 0 = Monday, ties: the earliest",
        "weekday 0-6",
        label=N_("preferred weekday"),
        integer=True,
        trait=False,
    ),
    Feature(
        "sessions",
        "behavioural",
        "visits (web/app sessions)",
        "sessions",
        "sessions",
        label=N_("visits"),
        defined_in="session_features",
        logged=True,
        integer=True,
    ),
    Feature(
        "sessions_per_order",
        "behavioural",
        "visits per purchase order",
        "sessions/order",
        "sessions",
        label=N_("visits per order"),
        defined_in="_finish",
        logged=True,
        default=True,
    ),
    Feature(
        "browse_conversion",
        "behavioural",
        "share of visits that ended in a purchase",
        "share 0..1",
        "sessions",
        label=N_("visit conversion"),
        defined_in="session_features",
        default=True,
    ),
    Feature(
        "campaign_open_rate",
        "behavioural",
        "campaign messages opened / sent",
        "share 0..1",
        "campaign_events",
        label=N_("campaign open rate"),
        defined_in="campaign_features",
        default=True,
    ),
    Feature(
        "campaign_click_rate",
        "behavioural",
        "campaign messages clicked / sent",
        "share 0..1",
        "campaign_events",
        label=N_("campaign click rate"),
        defined_in="campaign_features",
        default=True,
    ),
    Feature(
        "campaign_conversion_rate",
        "behavioural",
        "campaign messages converted / sent",
        "share 0..1",
        "campaign_events",
        label=N_("campaign conversion rate"),
        defined_in="campaign_features",
    ),
    Feature(
        "days_since_campaign_response",
        "behavioural",
        "days from the last campaign message opened, clicked or converted on to as_of (empty: never responded)",
        "days",
        "campaign_events",
        label=N_("days since a campaign response"),
        defined_in="campaign_features",
        trait=False,
    ),
    Feature(
        "reachable",
        "contactability",
        "1 if the customer may be contacted by e-mail or SMS",
        "flag 0/1",
        "customers.email_opt_in",
        label=N_("reachable share"),
        defined_in="_finish",
    ),
)
BY_NAME: dict[str, Feature] = {f.name: f for f in CATALOG}
#: Clustered on when ``segmentation.features`` is not given, in catalog order.
DEFAULT_FEATURES: tuple[str, ...] = tuple(f.name for f in CATALOG if f.default)
LOGGED: frozenset[str] = frozenset(f.name for f in CATALOG if f.logged)
INTEGER: tuple[str, ...] = tuple(f.name for f in CATALOG if f.integer)


def catalog_markdown() -> str:
    """The catalog of behavioural features as a Markdown table (the README's Feature catalog)."""
    lines = ["| feature | lens | description | unit | needs | clustered by default |", "|---|---|---|---|---|---|"]
    for f in CATALOG:
        needs = f"`{f.needs}`" if f.needs else "transactions"
        lines.append(f"| `{f.name}` | {f.lens} | {f.description} | {f.unit} | {needs} | {'yes' if f.default else ''} |")
    return "\n".join(lines)
