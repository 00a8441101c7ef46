"""Notes and values: what computing code returns instead of sentences (a message id with its
values), made into the reader's sentences where shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from seglab.i18n.formats import (
    as_day,
    date,
    digits,
    is_missing,
    isolate,
    join,
    money,
    month,
    number,
    percent,
    percent_beside,
    season,
)
from seglab.i18n.messages import N_, _, ngettext, reader, translations


@dataclass(frozen=True)
class Value:
    """A value of a :class:`Note` shown in the reader's way where the note is said: a date in the
    reader's calendar, a word of seglab in the reader's language, a number with its decimals, a
    percentage or an amount of money. Kept as data (``{"kind": ..., "value": ...}``), never as text.
    """

    kind: str  # one of _SHOWN's: date, term, number, percent, money, list, join, concat, ...
    value: object
    decimals: int = 0
    sign: bool = False
    sep: str = ""  # join: the separator's message id ("; ", " and ")

    def to_dict(self) -> dict:
        """The value as JSON data: ``{"kind": ..., "value": ...}`` (and its decimals, sign, separator)."""
        out = {"kind": self.kind, "value": _as_data(self.value)}
        if self.sep:
            out["sep"] = self.sep
        if self.decimals:
            out["decimals"] = self.decimals
        if self.sign:
            out["sign"] = True
        return out

    def shown(self) -> str:
        """The value as the reader reads it."""
        return _SHOWN[self.kind](self)


def _capital(v: Value) -> str:
    text = _shown(v.value)
    return text[:1].upper() + text[1:]


def _shown_term(value) -> str:
    """A term in the reader's language; one the catalog does not know (a word of the data, such as
    the category *Electronics*) in a sentence read right to left stays in its own isolate, so the
    number after it keeps its place (not ``(Sports ۱۲٪، Electronics ۳۶٪)`` read backwards).
    """
    shown = term(value)
    if isinstance(shown, str) and shown == value and reader().rtl and any("a" <= c.lower() <= "z" for c in shown):
        return isolate(shown)
    return shown


#: How each kind of :class:`Value` is shown.
_SHOWN = {
    "date": lambda v: date(v.value),
    "month": lambda v: month(v.value),
    "season": lambda v: season(v.value),
    "term": lambda v: _shown_term(v.value),
    "number": lambda v: number(v.value, v.decimals, sign=v.sign),
    "g": lambda v: digits(f"{float(v.value):g}"),
    "digits": lambda v: digits(str(v.value)),
    "percent": lambda v: percent(v.value, v.decimals, sign=v.sign),
    "money": lambda v: money(v.value, v.decimals),
    "concat": lambda v: "".join(say(p) if isinstance(p, str) else _shown(p) for p in v.value),
    "join": lambda v: _(v.sep).join(_shown(p) for p in v.value),
    "list": lambda v: _shown(v.value),
    "capital": _capital,
    "before": lambda v: term(v.value).split(" (")[0],  # a word of seglab without its explanation in brackets
    "beside": lambda v: percent_beside(v.value[0], v.value[1], v.decimals),  # decimals that keep it on its side
}


def as_date(value, kind: str = "date") -> Value:
    """A date kept as its ISO day (``2024-01-02``), shown in the reader's calendar; ``kind``:
    ``month`` or ``season`` for a period's name.
    """
    d = as_day(value)
    return Value(kind, d.isoformat() if d else None)


def worded(item):
    """A message id kept to be translated where shown (:func:`as_term`); a note or value as it is."""
    return as_term(item) if isinstance(item, str) else item


def as_term(value: str) -> Value:
    """A word of seglab kept in English (a channel, a lens, a feature's label), shown translated."""
    return Value("term", value)


def as_number(value, decimals: int = 0, sign: bool = False) -> Value:
    """A number shown with ``decimals`` in the reader's digits."""
    return Value("number", plain(value), decimals, sign)


def concat(*parts) -> Value:
    """Parts said one after the other (message ids, notes, values, texts), as one value."""
    return Value("concat", tuple(_frozen(p) for p in parts))


def capital(item) -> Value:
    """``item`` (a note, a list of notes) said with a capital first letter (a name)."""
    return Value("capital", _frozen(item))


def listed(items) -> Value:
    """Items shown as a list with the reader's comma (``a, b`` or ``a، b``)."""
    return Value("list", tuple(_frozen(i) for i in items))


def joined(items, sep: str) -> Value:
    """Items shown one after the other with a separator (a message id marked with :func:`N_`, such as
    ``"; "`` or ``" and "``), in the reader's language.
    """
    return Value("join", tuple(_frozen(i) for i in items), sep=sep)


def as_digits(text: str) -> Value:
    """A text whose ASCII digits are shown in the reader's digits (``[4, 6]``)."""
    return Value("digits", text)


def as_g(value) -> Value:
    """A number as Python's ``:g`` writes it (7, 0.5, 1e+12), in the reader's digits."""
    return Value("g", plain(value))


def as_percent(value, decimals: int = 0, sign: bool = False) -> Value:
    """A share (0.25) shown as a percentage in the reader's digits."""
    return Value("percent", plain(value), decimals, sign)


def as_money(value, decimals: int = 0) -> Value:
    """An amount shown in the run's currency and the reader's digits."""
    return Value("money", plain(value), decimals)


def plain(value):
    """A number as JSON keeps it: numpy's integers and floats as Python's, NaN as None."""
    if is_missing(value):
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


@dataclass(frozen=True)
class Note:
    """A note for readers kept as data: its message id (an English sentence with ``%(name)s``
    places, marked with :func:`N_`, or a singular and plural marked with :func:`Nn_`, the form
    chosen by the value ``n``) and its values (counts, line numbers, file and column names, dates
    and words as :class:`Value`, other notes), never a sentence. The sentence is made where the note
    is shown, in the reader's language, with numbers in the reader's digits (:func:`say`); the data
    files hold the id and the values, the same in every language (:meth:`to_dict`).
    """

    id: str
    values: tuple = ()  # (name, value) pairs: a frozen record, compared and hashed by its content
    plural: str = ""

    @classmethod
    def of(cls, message: str | tuple[str, str], **values) -> Note:
        """The note of ``message`` (marked with :func:`N_` or :func:`Nn_`) with its values."""
        singular, plural = (message, "") if isinstance(message, str) else message
        return cls(singular, tuple(sorted((k, _frozen(v)) for k, v in values.items())), plural)

    @classmethod
    def from_dict(cls, data: dict) -> Note:
        """The note :meth:`to_dict` wrote."""
        message = (data["id"], data["plural"]) if data.get("plural") else data["id"]
        return cls.of(message, **{k: _thawed(v) for k, v in data.get("values", {}).items()})

    def to_dict(self) -> dict:
        """The note as JSON data: ``{"id": ..., "values": {...}}`` (and ``"plural"``)."""
        out = {"id": self.id, "values": {k: _as_data(v) for k, v in self.values}}
        if self.plural:
            out["plural"] = self.plural
        return out

    def as_text(self) -> str:
        """The note as one text (a cell of a table file): its :meth:`to_dict` as JSON."""
        return as_text(self)

    def said(self) -> str:
        """The sentence in the reader's language."""
        values = {k: _shown(v) for k, v in self.values}
        try:
            if self.plural:
                return ngettext(self.id, self.plural, int(dict(self.values)["n"])) % values
            return _(self.id) % values
        except (KeyError, ValueError, TypeError):  # not one of seglab's notes (a text of the data that looks like one)
            return f"{self.id} {values}"


def _frozen(value):
    """A note's value as the frozen record keeps it: lists as tuples, a note or value read from a
    file (a dict, or its JSON text in a table's cell) as its record.
    """
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, str) and _note_text(value) is not None:
        return _thawed(_note_text(value))
    return _thawed(value) if isinstance(value, dict) else value


def _as_data(value):
    if isinstance(value, Note | Value):
        return value.to_dict()
    return [_as_data(v) for v in value] if isinstance(value, tuple) else value


def _thawed(value):
    if isinstance(value, list):
        return [_thawed(v) for v in value]
    if isinstance(value, dict) and "id" in value:
        return Note.from_dict(value)
    if isinstance(value, dict) and "kind" in value:
        return Value(**{**value, "value": _frozen(value["value"])})
    return value


def _shown(value) -> str:
    """A note's value for readers: numbers in the reader's digits, lists joined with its comma,
    dates, words and notes as they are shown.
    """
    if isinstance(value, list | tuple):
        return join(_shown(v) for v in value)
    if isinstance(value, Note):
        return value.said()
    if isinstance(value, Value):
        return value.shown()
    if isinstance(value, str):
        return data_word(value)  # a column's label or a category of the data: the reader's word if given
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value, 0 if float(value).is_integer() else 2)


def as_text(item):
    """A note or value as one text for a cell of a table (its JSON: sorted, compared and written like
    any text, said where shown); any other item as it is.
    """
    if isinstance(item, Note | Value):
        item = item.to_dict()
    elif not (isinstance(item, dict) and is_note(item)):
        return item
    import json

    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def is_note(item) -> bool:
    """Whether ``item`` is a note or a value kept as data: a :class:`Note` or :class:`Value`, its
    ``to_dict()`` or its JSON text (:meth:`Note.as_text`).
    """
    if isinstance(item, Note | Value):
        return True
    if isinstance(item, dict):
        return {"id", "values"} <= item.keys() or {"kind", "value"} <= item.keys()
    return _note_text(item) is not None


def _note_text(item) -> dict | None:
    """The note a text holds (:meth:`Note.as_text`), or None (a text of the data that only looks like one)."""
    if not isinstance(item, str) or not item.startswith(('{"id": ', '{"kind": ')):
        return None
    import json

    try:
        data = json.loads(item)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    note = {"id", "values"} <= data.keys() <= {"id", "values", "plural"}
    value = {"kind", "value"} <= data.keys() <= {"kind", "value", "decimals", "sign", "sep"}
    return data if note or value else None


def neutral(item):
    """``item`` as the data files keep it: notes and values as dicts, inside lists and dicts too."""
    if isinstance(item, Note | Value):
        return item.to_dict()
    if isinstance(item, str) and _note_text(item) is not None:  # (a note kept in a table's cell)
        return _note_text(item)
    if isinstance(item, dict):
        return {k: neutral(v) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return [neutral(v) for v in item]
    return item


def said(record: dict) -> dict:
    """A record (an assumption, a card) with each of its notes made into its sentence."""
    return {k: say(v) if is_note(v) else v for k, v in record.items()}


def say(item) -> str:
    """A note in the reader's language: a :class:`Note` (or its :meth:`Note.to_dict`) made into its
    sentence; any other text as :func:`term` shows it (a word or sentence of seglab stored in English).
    """
    if isinstance(item, str):
        item = _note_text(item) or item
    if isinstance(item, dict) and "id" in item:
        item = Note.from_dict(item)
    if isinstance(item, dict) and "kind" in item:
        item = _thawed(item)
    if isinstance(item, Note):
        return item.said()
    if isinstance(item, Value):
        return item.shown()
    return term(item)


def term(value):
    """A word or sentence of seglab stored in English in the data files (a quadrant, a MIDAS
    result, a persona name, an action) in the reader's language; any other value as it is.
    """
    if is_note(value) or isinstance(value, Value):  # a note kept as data: its sentence
        return say(value)
    if not isinstance(value, str) or not value:
        return value
    if reader().language == "en":
        return data_word(value)
    catalog = translations(reader().language)
    shown = catalog.gettext(value)
    if shown == value and "_" in value:  # a snake_case word of the data files: long_term, campaign_events
        spaced = value.replace("_", " ")
        shown = catalog.gettext(spaced)
        return data_word(value) if shown == spaced else shown
    return data_word(value) if shown == value else shown


#: A feature's label as stage 02 writes it for one value of a column (``Gender: female``,
#: ``City: other``): the column's label, then the value.
LEVEL_LABEL = N_("%(column)s: %(level)s")


def data_word(value: str) -> str:
    """A word of the data (a column's name or label, a category) in the reader's words
    (``report.words``); a level's label (``Gender: female``) word by word; else as the data write it.
    """
    r = reader()
    if not r.words:
        return value
    found = r.data_word(value)
    if found:
        return found
    column, sep, level = value.partition(": ")
    if sep and (r.data_word(column) or r.data_word(level)):
        return _(LEVEL_LABEL) % {"column": r.data_word(column) or column, "level": r.data_word(level) or level}
    return value
