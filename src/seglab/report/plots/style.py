"""The look of every figure: one seaborn theme, one colour and marker per segment, the embedded
font, numbers in the reader's digits and money in the reader's unit.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, ScalarFormatter

from seglab import i18n
from seglab.i18n import _
from seglab.vocabulary import QUADRANTS

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
    # titles at a fixed height above the axes (no figure has tick labels on top): matplotlib then
    # skips measuring every tick label to place each title, a fifth of drawing the report's figures
    "axes.titley": 1.0,
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


def fixed_grid(shape: tuple[int, int], figsize: tuple[float, float], across: float, down: float, title: str):
    """``plt.subplots(*shape)`` (rows, columns) under a bold ``title``, with the space between panels fixed in
    inches: ``across`` for a panel's y tick labels and y label, ``down`` for its x tick labels and x
    label and the title of the panel below. For small multiples whose labels' sizes are known
    beforehand: a constrained layout measures every text at every drawing (40 % of drawing the
    16 histograms of stage 02). The saved picture is cut to what is drawn, so the outer margins
    only need to be wide enough.
    """
    (nrow, ncol), (width, height) = shape, figsize
    left, right, bottom, top = across, 0.2, down, 0.95
    fig, axes = plt.subplots(nrow, ncol, figsize=figsize)
    panel_w = (width - left - right - across * (ncol - 1)) / ncol
    panel_h = (height - bottom - top - down * (nrow - 1)) / nrow
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=across / panel_w,
        hspace=down / panel_h,
    )
    fig.suptitle(title, fontweight="bold", y=1 - 0.1 / height, va="top")
    return fig, axes


def register_fonts() -> None:
    """Make the embedded font known to matplotlib in this process (once)."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for key in ("regular", "bold"):
        path = str(i18n.font_files()[key])
        if path not in known:
            font_manager.fontManager.addfont(path)


class Numbers(Formatter):
    """Tick labels as numbers, percentages or amounts in the reader's digits and separators;
    ``compact``: thousands and millions written short (picklable: figures travel from the kernel to
    the runner).
    """

    def __init__(self, kind: str = "number", decimals: int = 0):
        self.kind, self.decimals, self.language = kind, decimals, i18n.reader().language

    def __call__(self, x, pos=None) -> str:
        """The label of tick ``x``."""
        if self.kind == "percent":
            return i18n.percent(x, self.decimals, language=self.language)
        if self.kind == "compact" and abs(x) >= 1000:
            return compact(x, self.language)
        return i18n.number(x, self.decimals, language=self.language)


def compact(x: float, language: str) -> str:
    """``x`` written short, as the reader's language does (1.2M, ۱٫۲ میلیون, ١٫٢ مليون)."""
    from babel.numbers import format_compact_decimal

    from seglab.i18n.messages import NUMBERING

    text = format_compact_decimal(
        x, format_type="short", locale=language, fraction_digits=1, numbering_system=NUMBERING.get(language, "latn")
    )
    return i18n.digits(text, language)


#: A whole number of four digits or more, as ScalarFormatter writes it (40000, −1200).
_UNGROUPED = re.compile(r"(?<![0-9.,])([−-]?)([0-9]{4,})")


class ReaderDigits(Formatter):
    """Another formatter's tick labels written in the reader's digits (picklable), whole numbers of
    four digits or more with thousands separators (40,000; ۴۰٬۰۰۰), as in the text.
    """

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
        """The wrapped formatter's label of tick ``x``, grouped, in the reader's digits."""
        label = _UNGROUPED.sub(lambda m: m.group(1) + f"{int(m.group(2)):,}", self.inner(x, pos))
        return i18n.digits(label, self.language)

    def get_offset(self) -> str:
        """The wrapped formatter's offset text, in the reader's digits."""
        return i18n.digits(self.inner.get_offset(), self.language)


def localize(fig: Figure) -> Figure:
    """The numeric tick labels of every axis in the reader's digits (Persian, Arabic-Indic), large
    whole numbers grouped in every language.
    """
    language = i18n.reader().language
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


def money_unit() -> str:
    """What amounts are in: the currency of ``report.currency``, or that it is not set."""
    return i18n.currency_unit() or _("currency of the data")


def annotations(values: np.ndarray, decimals: int) -> np.ndarray:
    """Heat-map cell texts in the reader's digits."""
    return np.vectorize(lambda v: "" if np.isnan(v) else i18n.number(v, decimals, grouping=False))(values)
