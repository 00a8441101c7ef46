"""The workshop's texts: its own message catalog (gettext domain ``seglab_workshop``, in
``seglab_workshop/locale``), apart from seglab's, in the reader's language (``seglab.i18n.use``).
The workshop speaks English and Persian; ``make catalogs`` keeps the catalog in step
(:mod:`seglab_workshop.catalogs`).
"""

from __future__ import annotations

from pathlib import Path

from seglab import i18n

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "MESSAGES", "N_", "_", "pgettext"]

#: The languages of the workshop (its notebooks, checks and guide).
LANGUAGES: tuple[str, ...] = ("en", "fa")
DOMAIN = "seglab_workshop"
LOCALE_DIR = Path(__file__).parent / "locale"
MESSAGES = i18n.Messages(DOMAIN, LOCALE_DIR)
#: Mark a text for the catalog without translating it now (translated where shown).
N_ = i18n.N_


def _(message: str) -> str:
    """``message`` in the reader's language, from the workshop's catalog."""
    return MESSAGES.gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the reader's language, in ``context`` (a notebook's cell)."""
    return MESSAGES.pgettext(context, message)
