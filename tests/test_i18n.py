"""Reports in Persian and Arabic (issue 19): catalogs, numbers and dates in the reader's
convention, letters unified on input, and whole runs read right to left in a browser.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, skip_or_fail

from seglab import config, i18n
from seglab.collection import collect, rules
from seglab.i18n import catalogs
from seglab.report import Formats, styled
from seglab.run import pipeline
from seglab.text import SAME_LETTERS

SMALL = {
    "seed": 3,
    "source": {"kind": "synthetic", "synthetic": {"n_customers": 600, "months": 12}},
    "segmentation": {"k_min": 2, "k_max": 5},
}
PAGES = ["index.html"] + [f"{name}.html" for name, _ in pipeline.STAGES]


# ---------------------------------------------------------------------------------------------
# numbers, amounts and dates
# ---------------------------------------------------------------------------------------------
def test_english_keeps_the_formats_it_always_had():
    with i18n.using("en"):
        assert i18n.number(1234.5, 1) == "1,234.5" and i18n.number(-3) == "-3"
        assert i18n.percent(0.4234, 1) == "42.3%" and i18n.percent(0.42, sign=True) == "+42%"
        assert i18n.date("2024-03-20 10:00") == "2024-03-20"
        assert i18n.money(12880) == "12,880"  # no currency set: no unit
    with i18n.using("en", currency="EUR"):
        assert i18n.money(12880) == "€12,880" and i18n.money(-5) == "-€5"
    with i18n.using("en", currency="toman"):
        assert i18n.money(1500) == "1,500\u00a0toman"  # a unit that is no ISO code is shown as written


def test_persian_digits_separators_signs_and_jalali_dates():
    with i18n.using("fa", currency="IRR"):
        assert i18n.number(1234.5, 1) == "۱٬۲۳۴٫۵"
        assert i18n.percent(0.42) == "۴۲٪"
        # the locale's signs carry a left-to-right mark: they stay beside the number in Persian text
        assert i18n.percent(-0.2, sign=True) == "\u200e−۲۰٪" and i18n.number(1.6, 1, sign=True) == "\u200e+۱٫۶"
        assert i18n.money(1500) == "۱٬۵۰۰\u00a0ریال"
        assert i18n.date("2024-03-20") == "۱ فروردین ۱۴۰۳"  # Nowruz
        assert i18n.date("2024-03-19") == "۲۹ اسفند ۱۴۰۲"
        assert i18n.season("2024-06-20") == "بهار ۱۴۰۳" and i18n.season("2024-06-21") == "تابستان ۱۴۰۳"
        assert i18n.join(["a", "b"]) == "a، b"


def test_monitoring_periods_are_labelled_in_the_jalali_calendar():
    """Periods counted back from the as-of date by their Jalali last day, never named after the
    season they mostly cover (issue 31: «پاییز ۱۴۰۳ / ۱۱ دی ۱۴۰۳»); Jalali periods by their name."""
    from seglab.report import plots

    ends = [pd.Timestamp("2024-09-30"), pd.Timestamp("2024-12-31")]
    seasons = [pd.Timestamp("2024-09-21"), pd.Timestamp("2024-12-20")]  # 31 Shahrivar, 30 Azar 1403
    with i18n.using("fa"):
        assert plots.over_time._period_labels(ends, "quarter") == ["۹ مهر ۱۴۰۳", "۱۱ دی ۱۴۰۳"]
        assert plots.over_time._period_labels(seasons, "quarter", "jalali") == ["تابستان ۱۴۰۳", "پاییز ۱۴۰۳"]
        assert plots.over_time._period_labels(seasons[:1], "month", "jalali") == ["شهریور ۱۴۰۳"]
    with i18n.using("en"):
        assert plots.over_time._period_labels(ends, "quarter") == ["2024-09-30", "2024-12-31"]
        assert plots.over_time._period_labels(seasons, "quarter", "jalali") == ["2024-09-21", "2024-12-20"]


def test_arabic_digits_gregorian_months_and_hijri_on_request():
    with i18n.using("ar", currency="SAR"):
        assert i18n.number(1234.5, 1) == "١٬٢٣٤٫٥" and i18n.percent(0.05) == "٥٪"
        assert i18n.date("2024-03-20") == "٢٠ مارس ٢٠٢٤"
    with i18n.using("ar", calendar="hijri"):
        assert i18n.date("2024-03-20") == "١٠ رمضان ١٤٤٥ هـ"
    with i18n.using("fa", calendar="gregorian"):
        assert i18n.date("2024-03-20") == "۲۰ مارس ۲۰۲۴"
    with pytest.raises(ValueError, match="report.language: 'de'"):
        i18n.use("de")


def test_a_data_word_beside_a_number_keeps_its_place_in_a_right_to_left_sentence():
    """A category of the data (Electronics: no catalog knows it) in a Persian or Arabic sentence
    is isolated, so its percentage stays after it; English sentences carry no isolate."""
    from seglab.personas import cards

    mix = pd.DataFrame({"segment": [1, 1], "value": ["Electronics", "Outdoor"], "share": [0.36, 0.12]})
    mix["over"] = False
    for language in ("fa", "ar"):
        with i18n.using(language):
            said = i18n.say(cards.mix_text(mix, 1))
            assert f"{i18n.FSI}Electronics{i18n.PDI} {i18n.percent(0.36)}" in said, said
            assert f"{i18n.FSI}Outdoor{i18n.PDI} {i18n.percent(0.12)}" in said, said
    with i18n.using("en"):
        said = i18n.say(cards.mix_text(mix, 1))
        assert "(Electronics 36%, Outdoor 12%)" in said and i18n.FSI not in said


def test_the_words_file_puts_the_datas_columns_and_categories_in_the_readers_words(tmp_path):
    """report.words: a column's name however written (age, Income band, income_band), a category, a
    level's label (Gender: female), the notes and tables that quote them, read in the reader's words;
    English (no en column) and an unknown word as the data write them; a broken file named with its fix."""
    from seglab.personas import cards
    from seglab.report.labels import header

    f = tmp_path / "words.csv"
    f.write_text(
        "word,fa,ar\nage,سن,العمر\nIncome band,سطح درآمد,\ngender,جنسیت,الجنس\nfemale,زن,أنثى\n"
        "Electronics,لوازم الکترونیکی,الإلكترونيات\n",
        encoding="utf-8",
    )
    note = i18n.Note.of("'%(column)s' is %(level)s", column="Gender", level="female")
    mix = pd.DataFrame({"segment": [1, 1], "value": ["Electronics", "Outdoor"], "share": [0.36, 0.12], "over": False})
    with i18n.using("fa", words=i18n.data_words(f, "fa")):
        assert [i18n.term(w) for w in ("Age", "age", "income_band", "INCOME-BAND", "Outdoor")] == [
            "سن",
            "سن",
            "سطح درآمد",
            "سطح درآمد",
            "Outdoor",
        ]
        assert i18n.term("Gender: female") == "جنسیت: زن" and i18n.term("Gender: other") == "جنسیت: other"
        assert i18n.say(note) == "«جنسیت» برابر زن است"
        assert header("gender=female") == "جنسیت = زن"
        said = i18n.say(cards.mix_text(mix, 1))
        assert "لوازم الکترونیکی ۳۶٪" in said and f"{i18n.FSI}Outdoor{i18n.PDI}" in said, said
    with i18n.using("ar", words=i18n.data_words(f, "ar")):  # an empty cell: the data's word
        assert i18n.term("Income band") == "Income band" and i18n.term("age") == "العمر"
    with i18n.using("en", words=i18n.data_words(f, "en")):
        assert i18n.term("age") == "age" and i18n.say(note) == "'Gender' is female"
    for text, says in [
        ("name,fa\nage,سن\n", "the first row is name,fa; it must be word,en,fa,ar"),
        ("word,fa,de\nage,سن,Alter\n", "column 'de' is not a language of seglab"),
        ("word,fa\nage,سن,x\n", "row 2 has 3 cells, the first row 2"),
        ("word,fa\n,سن\n", "row 2 has no word"),
    ]:
        f.write_text(text, encoding="utf-8")
        with pytest.raises(i18n.WordsError, match=re.escape(says)) as err:
            i18n.data_words(f, "fa")
        assert str(f) in str(err.value)
    with pytest.raises(i18n.WordsError, match="report.words: nowhere.csv: no such file"):
        i18n.data_words("nowhere.csv", "fa")


def test_tables_translate_the_method_words_and_stay_escaped():
    df = pd.DataFrame(
        {
            "quadrant": ["Target", "<script>alert(1)</script>"],
            "feature": ["recency_days", "x'y"],
            "share": [0.5, 0.25],
        }
    )
    with i18n.using("fa"):
        html = styled(df, Formats(percent=["share"])).to_html()
    assert "هدف قرار دادن" in html and "روز از آخرین خرید" in html  # a quadrant; a feature by its label
    assert "<script>" not in html and "&lt;script&gt;" in html and "x&#x27;y" in html
    assert "۵۰٫۰٪" in html and ">خانهٔ ماتریس<" in html  # the reader's digits; the header's label (glossary)


# ---------------------------------------------------------------------------------------------
# the catalogs
# ---------------------------------------------------------------------------------------------
def _a_note() -> i18n.Note:
    """A note with a value of every kind, nested, as computing code makes them."""
    from seglab.i18n import N_, Nn_

    facts = [
        i18n.Note.of(N_("%(share)s reachable by e-mail or SMS"), share=i18n.as_percent(0.4931, 1)),
        i18n.Note.of(N_("%(amount)s per customer"), amount=i18n.as_money(12880.4)),
    ]
    return i18n.Note.of(
        N_("%(quadrant)s. %(attractiveness)s. %(ability)s."),
        quadrant=i18n.as_term("Target"),
        attractiveness=i18n.concat(
            i18n.Note.of(N_("Attractive: %(facts)s"), facts=i18n.joined(facts, N_("; "))),
            i18n.Note.of(N_("; mean spend trend %(trend)s"), trend=i18n.as_number(-0.125, 2, sign=True)),
        ),
        ability=i18n.capital(
            i18n.listed(
                [
                    i18n.Note.of(
                        Nn_(
                            "the last %(days)s days (%(start)s to %(as_of)s) for the model and for monitoring; "
                            "%(n)s customer with no purchase in them is not segmented",
                            "the last %(days)s days (%(start)s to %(as_of)s) for the model and for monitoring; "
                            "%(n)s customers with no purchase in them are not segmented",
                        ),
                        days=365,
                        start=i18n.as_date("2024-01-02"),
                        as_of=i18n.as_date("2024-12-31"),
                        n=1,
                    ),
                    i18n.Note.of(N_("%(first)s %(second)s"), first=i18n.as_g(1e12), second=i18n.as_digits("[4, 6]")),
                ]
            )
        ),
    )


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_a_note_kept_as_data_says_the_same_sentence_read_back_from_any_file(language):
    """A note (message id and values, nested, of every kind of value) says the same sentence as it
    is, read back from JSON (a data file) and from its text in a table's cell; a data text that only
    looks like a note stays text."""
    note = _a_note()
    with i18n.using(language, currency="EUR"):
        said = i18n.say(note)
        assert i18n.say(json.loads(json.dumps(note.to_dict()))) == said
        assert i18n.say(note.as_text()) == said and i18n.term(note.as_text()) == said
        assert i18n.say(i18n.Note.from_dict(note.to_dict())) == said
        assert "%(" not in said and '"id"' not in said
    with i18n.using("en", currency="EUR"):
        assert i18n.say(note).startswith("Target. Attractive: 49.3% reachable by e-mail or SMS; €12,880 per customer")
        assert "The last 365 days (2024-01-02 to 2024-12-31)" in said or language != "en"
    looks = '{"id": "%(x)s", "values": {"y": 1}}'  # a cell of the data that happens to look like one
    assert i18n.say(looks).startswith("%(x)s") and i18n.say('{"id": "not json') == '{"id": "not json'


def test_every_catalog_entry_is_translated_in_persian_and_arabic(root):
    """The template holds every text of the code, templates and notebooks (a new text fails
    here until `make catalogs`), and each is translated, not fuzzy, with its placeholders."""
    assert catalogs.problems(root) == []


def test_the_workshop_has_its_own_catalog_complete_in_persian(root):
    """The workshop's texts (its checks, figures and notebooks) are in its own catalog, not in
    seglab's; each is translated into Persian, the workshop's other language."""
    from seglab_workshop import catalogs as workshop_catalogs
    from seglab_workshop import messages

    assert catalogs.problems(root, workshop_catalogs.PROJECT) == []
    ours = catalogs._read(catalogs.SEGLAB.template)
    theirs = catalogs._read(workshop_catalogs.PROJECT.template, domain=messages.DOMAIN)
    assert not [
        m.id
        for m in ours
        if any(str(w).startswith(("src/seglab_workshop", "notebooks/workshop")) for w, _l in m.locations)
    ]
    assert len(theirs) > 50 and all(
        str(w).startswith(("src/seglab_workshop/", "notebooks/workshop/")) for m in theirs for w, _l in m.locations
    )
    with i18n.using("fa"):
        assert messages._("Right.") == "درست است." and i18n._("Right.") == "Right."


def _glossary(root: Path) -> list[dict]:
    return list(csv.DictReader((root / "src/seglab/locale/glossary.csv").open(encoding="utf-8")))


# code, file names and placeholders are no words; Arabic short vowels, the Persian ezafe mark,
# tatweel and zero-width non-joiners do not make another word
_NOT_WORDS = re.compile(r"`[^`]*`|%\([a-z_]+\)[sd]|\{[a-z_]*\}|\S*\w[._/]\w\S*")
_MARKS = re.compile("[\u064b-\u0652\u0654\u0640\u200c]")


def _plain(text: str) -> str:
    return _MARKS.sub("", _NOT_WORDS.sub(" ", text))


def _glossary_problems(rows: list[dict], catalogs_by_language: dict) -> list[str]:
    """Where a catalog names a glossary concept with another word: for each row with a `match`
    (a regular expression on the English text; the term itself by default) or words to avoid,
    every text whose English names the concept must use the glossary word (`fa`, `ar`: forms
    separated by `;`, the first as the term itself is translated) and none of `avoid_fa`/`avoid_ar`
    (regular expressions separated by `;`). Keyed on the English: «هزینه» is right for *cost*."""
    out = []
    for r in rows:
        if not (r["match"] or r["avoid_fa"] or r["avoid_ar"]):
            continue
        english = re.compile(r["match"] or rf"\b{re.escape(r['term'])}\b", re.IGNORECASE)
        for lang, cat in catalogs_by_language.items():
            forms = [_plain(f) for f in r[lang].split(";")]
            avoid = [re.compile(_plain(a)) for a in r[f"avoid_{lang}"].split(";") if a]
            for m in cat:
                ids = [m.id] if isinstance(m.id, str) else list(m.id)
                if not m.id or not any(english.search(_plain(i)) for i in ids):
                    continue
                for s in [m.string] if isinstance(m.string, str) else list(m.string):
                    if not s:  # not translated yet: the catalogs' own check reports it
                        continue
                    where = f"{lang} {r['term']!r}: {ids[0][:60]!r} -> {s[:60]!r}"
                    if not any(f in _plain(s) for f in forms):
                        out.append(f"{where}: not {r[lang]!r}")
                    out += [f"{where}: {a.pattern!r}" for a in avoid if a.search(_plain(s))]
    return out


def test_glossary_terms_are_the_ones_the_catalogs_use(root):
    rows = _glossary(root)
    assert len(rows) >= 60
    used = 0
    for lang in ("fa", "ar"):
        cat = catalogs._read(root / f"src/seglab/locale/{lang}/LC_MESSAGES/seglab.po", lang)
        for r in rows:
            m = cat.get(r["term"])
            if m is not None:  # a term the pages show alone: translated as the glossary says
                used += 1
                assert m.string == r[lang].split(";")[0], (lang, r["term"])
    assert used >= 2 * 45


def test_a_glossary_concept_has_one_word_in_each_catalog(root):
    """*spend* is «مبلغ خرید»/«الإنفاق» and never «هزینه» (cost), rule *fidelity* is never
    «وفاداری» (loyalty), a *quadrant* is never «ربع»/«الربع» (a calendar quarter), a *profile*
    never «نیم‌رخ»/«الملفات» ...: whenever the English names a glossary concept, the translation
    uses the glossary's word and none of the words it avoids.
    """
    rows = _glossary(root)
    assert sum(1 for r in rows if r["avoid_fa"] or r["avoid_ar"]) >= 20
    found = {
        lang: catalogs._read(root / f"src/seglab/locale/{lang}/LC_MESSAGES/seglab.po", lang) for lang in ("fa", "ar")
    }
    problems = _glossary_problems(rows, found)
    assert not problems, "\n".join(problems)


def test_glossary_seed_terms_come_from_the_seed_articles(root):
    seeds = root.parent / "shared" / "seeds"
    if not seeds.is_dir():
        skip_or_fail(f"the seed articles are not at {seeds}")
    # (the seeds are plain text without zero-width non-joiners, some typed with Arabic ي/ك)
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))).replace("\u200c", "")
    text = text.translate(SAME_LETTERS)
    rows = list(csv.DictReader((root / "src/seglab/locale/glossary.csv").open(encoding="utf-8")))
    cited = [r for r in rows if r["seed_term"]]
    assert len(cited) >= 15
    for r in cited:
        for term in r["seed_term"].split(";"):
            word = term.split("(")[0].split(":")[-1].strip().replace("\u200c", "").translate(SAME_LETTERS)
            assert word in text, (r["term"], word)


# ---------------------------------------------------------------------------------------------
# input: one spelling of the shared letters, readable rejected rows, the Jalali hint
# ---------------------------------------------------------------------------------------------
def test_arabic_and_persian_letters_become_one_value_and_zwnj_is_kept():
    frame = pd.DataFrame({"country": ["ايران", "ایران", "كويت"], "note": ["می\u200cخواهم", "x", None], "n": [1, 2, 3]})
    out, changed = rules.unify_letters(frame, "persian", str)
    assert out["country"].tolist() == ["ایران", "ایران", "کویت"]
    assert out["note"].tolist()[0] == "می\u200cخواهم" and changed == {"country": 2}
    back, _ = rules.unify_letters(out, "arabic", str)
    assert back["country"].tolist() == ["ايران", "ايران", "كويت"]
    assert rules.unify_letters(frame, "as_is", str)[0] is frame


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def _tx_params(path: Path, **cleaning) -> config.Params:
    columns = {
        "customer_id": "cust",
        "order_id": "order",
        "timestamp": "date",
        "quantity": "qty",
        "unit_price": "price",
    }
    return config.validate(
        {
            "run_name": "t",
            "source": {"kind": "files", "tables": {"transactions": {"path": str(path), "columns": columns}}},
            "cleaning": cleaning,
        }
    )


def test_rejected_rows_keep_their_persian_text_readable(tmp_path):
    text = "cust,order,date,qty,price,city\n1,A,2024-01-02,1,5,تهران\n,B,2024-01-02,1,5,شیراز\n"
    c = collect.collect(_tx_params(_write(tmp_path, "r.csv", text)), tmp_path)
    values = c.rejected["values"].tolist()
    assert values == ['{"cust":null,"order":"B","date":"2024-01-02","qty":"1","price":"5","city":"شیراز"}']


def test_a_shamsi_file_read_as_gregorian_says_why_when_every_row_is_rejected(tmp_path):
    text = "cust,order,date,qty,price\n1,A,1402/05/12,1,5\n2,B,1402/05/13,1,5\n"
    with pytest.raises(collect.SourceError) as err:
        collect.collect(_tx_params(_write(tmp_path, "j.csv", text)), tmp_path)
    message = str(err.value)
    assert "all 2 rows of table 'transactions' were rejected" in message
    assert "look like Jalali (Shamsi) dates. Set cleaning.calendar: jalali" in message


def test_the_same_persian_export_in_two_encodings_gives_the_same_tables(tmp_path):
    import persian

    files = persian.write(tmp_path)
    assert files["cp1256"].read_bytes() != files["utf8"].read_bytes()
    got = {}
    for name, f in files.items():
        # the parameters name the columns in Persian letters; the cp1256 header has Arabic ones
        got[name] = collect.collect(config.validate(persian.params(f, name)), tmp_path)
    for table in ("transactions", "customers"):
        pd.testing.assert_frame_equal(got["utf8"].tables[table], got["cp1256"].tables[table])
    tx = got["utf8"].tables["transactions"]
    assert set(tx["channel"]) == {"web", "store", "app"}  # Persian channel words
    assert set(got["cp1256"].tables["customers"]["country"]) == set(persian.COUNTRIES)
    assert tx["timestamp"].min() >= pd.Timestamp("2023-03-21")  # Jalali 1402-01-01
    said = [
        a for a in map(i18n.said, got["cp1256"].quality["assumptions"]) if a["change"].startswith("cleaning.letters")
    ]
    assert said and "Arabic ي/ك/ى read with Persian ی/ک" in said[0]["assumed"]


# ---------------------------------------------------------------------------------------------
# whole runs in Persian and Arabic
# ---------------------------------------------------------------------------------------------
def _project(tmp: Path, root: Path, params: dict) -> Path:
    shutil.copytree(root / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    f = tmp / "notebooks" / "params" / f"{params['run_name']}.yaml"
    f.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return f


def _run(tmp: Path, params: Path, *extra: str) -> subprocess.CompletedProcess:
    return _seglab(tmp, "run", "--params", str(params), *extra)


def _report(tmp: Path, languages: str) -> subprocess.CompletedProcess:
    """``seglab report --run one --language <languages>`` in the project ``tmp``."""
    return _seglab(tmp, "report", "--run", "one", "--language", languages)


def _seglab(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**__import__("os").environ, "SEGLAB_ROOT": str(tmp)}
    return subprocess.run(
        [sys.executable, "-m", "seglab.run.cli", *args], capture_output=True, text=True, env=env, timeout=900
    )


@pytest.fixture(scope="module")
def languages(tmp_path_factory, root) -> dict[str, dict]:
    """The small synthetic run made in English, Persian and Arabic, one after the other in one
    project folder under one run name: per language, a copy of its pages (``reports``) and the bytes
    of every file of its data/processed/<run>/ and data/interim/<run>/ (``data``). Made once per
    test worker (its tests stay on one worker: conftest), kept across pytest's module switches."""
    if _LANGUAGES:
        return _LANGUAGES
    tmp = tmp_path_factory.mktemp("languages")
    report = {"currency": "EUR", "words": "notebooks/params/default_words.csv"}
    params = _project(tmp, root, {**SMALL, "run_name": "one", "report": report})
    out = {}
    for language in ("en", "fa", "ar"):
        done = _run(tmp, params, "--language", language)
        assert done.returncode == 0, done.stderr[-3000:]
        kept = shutil.copytree(tmp / "reports" / "one", tmp / "pages" / language)  # (the next run replaces them)
        data = {
            f"{layer}/{f.relative_to(tmp / 'data' / layer / 'one')}": f.read_bytes()
            for layer in ("processed", "interim")
            for f in sorted((tmp / "data" / layer / "one").rglob("*"))
            if f.is_file()
        }
        out[language] = {"reports": kept, "data": data, "project": tmp}
    _LANGUAGES.update(out)
    return out


_LANGUAGES: dict[str, dict] = {}


@pytest.mark.slow
def test_the_data_of_a_run_are_the_same_bytes_in_every_language(languages):
    """Numbers apart from words: the same run in English, Persian and Arabic writes the very same
    bytes to every file of data/processed/<run>/ and data/interim/<run>/ (notes kept as message ids
    and values, said only on the pages), and each language's pages read in that language."""
    data = {language: run["data"] for language, run in languages.items()}
    for language, run in languages.items():
        page = (run["reports"] / "05_prioritization.html").read_text(encoding="utf-8")
        assert f'lang="{language}"' in page
    assert "processed/personas.json" in data["en"] and "processed/segments.parquet" in data["en"]
    for language in ("fa", "ar"):
        assert data[language].keys() == data["en"].keys()
        differ = sorted(name for name, b in data[language].items() if b != data["en"][name])
        # (the run's record holds its parameters: report.language among them)
        assert differ == ["interim/kept/run.json", "processed/lineage.json"], f"{language}: {differ}"
        assert _data_lineage(data[language]) == _data_lineage(data["en"])
    words = json.loads(data["en"]["processed/personas.json"])
    assert not re.search("[\u0600-\u06ff]", json.dumps(words, ensure_ascii=False))  # no Persian or Arabic letter


def _data_lineage(files: dict[str, bytes]) -> dict:
    """lineage.json without the records of the exports (reports/<run>/exports/: written for people,
    in the reader's words, so their hashes differ by language), nor those hashes where other records
    list them as inputs."""
    from seglab.files import artifacts

    pages = {n for n, a in artifacts.BY_NAME.items() if a.path.startswith("reports/")}
    lineage = json.loads(files["processed/lineage.json"])
    assert pages & lineage.keys()  # (they are recorded)
    return {
        name: {**r, "inputs": {k: v for k, v in r.get("inputs", {}).items() if k not in pages}}
        for name, r in lineage.items()
        if name not in pages
    }


@pytest.fixture(params=["fa", "ar"])
def translated_run(request, languages):
    """The small synthetic run with ``seglab run --language fa`` (and ar): its reports folder."""
    return request.param, languages[request.param]["reports"]


class _Visible(HTMLParser):
    """The text a reader sees in the reader's words: no style, script, code, nor what the page
    marks left to right as written (parameter lines, file names, paths, versions, a file's own
    values: ``dir="ltr"``), no title attribute."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list = []  # [the tag that started the skipped element, its depth]

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            self.skipping[1] += tag == self.skipping[0]
        elif tag in ("style", "script", "code", "pre") or ("dir", "ltr") in attrs:
            self.skipping = [tag, 1]

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[0]:
            self.skipping[1] -= 1
            if not self.skipping[1]:
                self.skipping = []

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


#: Latin letters and digits a Persian or Arabic reader meets in the pages and figures on purpose:
#: segment codes (S3: the exports' files name them so), the method's symbols and acronyms as the
#: seed articles and statistics texts write them, the product's name, the data's own currency code.
_LATIN_KEPT = re.compile(r"S[0-9]+|F1|k|ARI|AUC|ROC|RFM|MIDAS|[MIDAV]|log|exp|N|n|seglab|CRM|EUR|€")


def _latin_left(text: str) -> list[str]:
    """Latin digits and words of ``text`` other than :data:`_LATIN_KEPT`, and ASCII decimal points or
    thousands commas between the reader's digits (``۰.۴۵``)."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return [w for w in words if re.search("[0-9]", w) and not _LATIN_KEPT.fullmatch(w)] + re.findall(
        r"[۰-۹٠-٩][.,][۰-۹٠-٩]", text
    )


def _default_words() -> list[str]:
    """The English words of the default data that notebooks/params/default_words.csv translates
    (Age, Income band, female, Electronics, London, ...), as the pages could show them."""
    with (ROOT / "notebooks" / "params" / "default_words.csv").open(encoding="utf-8") as f:
        words = [row["word"] for row in csv.DictReader(f)]
    labels = {w.capitalize() for w in words}
    return sorted(set(words) | labels | {w.replace(" ", "_") for w in words})


def _english_texts() -> set[str]:
    """The catalog's English texts a page could show untranslated: each msgid cut at its
    placeholders and markup into fragments of at least two words."""
    from babel.messages.pofile import read_po

    with i18n.TEMPLATE_PATH.open("rb") as f:
        template = read_po(f)
    out = set()
    for m in template:
        if not m.id:
            continue
        for msgid in m.id if isinstance(m.id, tuple) else (m.id,):
            for part in re.split(r"%\(\w+\)s|\{\w*\}|[*`|#\n]|\[[^\]]*\]\([^)]*\)", msgid):
                part = part.strip(" .,;:()-–·")
                # two words or more (a file name such as transactions.parquet is no sentence)
                if len(re.findall(r"(?:^|\s)[A-Za-z]{2,}", part)) >= 2:
                    out.add(part)
    return out


@pytest.mark.slow
def test_no_english_text_of_the_catalogs_is_left_on_any_page(translated_run):
    language, reports = translated_run
    english = _english_texts()
    assert len(english) > 500
    for page in PAGES:
        parser = _Visible()
        parser.feed((reports / page).read_text(encoding="utf-8"))
        text = "\n".join(parser.parts)
        left = sorted(e for e in english if e in text)
        assert left == [], f"{language} {page}: untranslated {left[:5]}"
        # nor a joining word of an English sentence (the synthetic data's values have none)
        joins = re.findall(r"(?<![A-Za-z])(?:and|the|of|with|per|to)(?![A-Za-z])", text)
        assert joins == [], f"{language} {page}: English words {joins[:5]}"
        if page != "index.html":  # each stage page links back to the summary and says which run made it
            html = (reports / page).read_text(encoding="utf-8")
            assert html.count('href="index.html"') == 2 and "<footer" in html and "seglab" in html
        # numbers in the reader's digits and separators: stage numbers, the seed, formulas too
        assert _latin_left(text) == [], f"{language} {page}: Latin digits {_latin_left(text)[:10]}"
        # the data's words (columns, categories) in the reader's words (report.words), wherever shown
        data_words = sorted(w for w in _default_words() if re.search(rf"(?<![A-Za-z_]){w}(?![A-Za-z_])", text))
        assert data_words == [], f"{language} {page}: the data's words as written {data_words[:5]}"
        # and the page reads in the reader's script: most letters are Persian/Arabic
        letters = re.findall(r"[A-Za-z\u0600-\u06ff]", text)
        arabic_script = sum(1 for ch in letters if ch >= "\u0600")
        assert arabic_script > 0.85 * len(letters), f"{language} {page}: {arabic_script}/{len(letters)}"


@pytest.mark.slow
def test_every_figure_speaks_the_readers_language_and_digits(translated_run):
    """Every text drawn on every figure of the run (titles, axes, ticks, annotations, legends: kept
    in the executed notebooks by the runner) is in the reader's digits and separators, with no
    English catalog text and no Latin word but the method's symbols and the segment codes."""
    import nbformat

    from seglab.report.plots.drawing import TEXTS

    language, reports = translated_run
    english = {e for e in _english_texts() if len(e) > 3}
    figures = 0
    for name, _title in pipeline.STAGES:
        nb = nbformat.read(reports / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                texts = out.get("metadata", {}).get(TEXTS)
                if texts is None:
                    continue
                figures += 1
                text = "\n".join(texts)
                assert _latin_left(text) == [], f"{language} {name}: {_latin_left(text)[:10]}"
                words = {w for w in re.findall(r"[A-Za-z]{2,}", text) if not _LATIN_KEPT.fullmatch(w)}
                assert not words, f"{language} {name}: Latin words {sorted(words)[:10]}"
                assert not [e for e in english if e in texts], f"{language} {name}: untranslated"
    assert figures >= 12, figures


def test_the_latin_scan_finds_what_the_pages_and_figures_used_to_show():
    """The scan above finds a Latin stage number, seed and formula digit and an ASCII point between
    Persian digits (as figures' ticks were), and keeps segment codes and the method's symbols."""
    assert _latin_left("01 · گردآوری داده · seglab") == ["01"]
    assert _latin_left("بذر تصادفی 3") == ["3"]
    assert _latin_left("۰.۴۵ و ۱,۲۰۰") == ["۰.۴", "۱,۲"]
    assert _latin_left("exp(N(0, ۰٫۵²))") == ["0"]
    assert _latin_left("S12 خریداران، k برگزیده = ۵، AUC ۰٫۸۳، F1") == []
    parser = _Visible()
    parser.feed('<p>با seglab <bdi dir="ltr">0.1.0</bdi> <code>x_1</code> 2</p><br><p>۳</p>')
    assert parser.parts == ["با seglab", "2", "۳"]


@pytest.mark.slow
def test_pages_read_right_to_left_fit_phones_and_use_the_embedded_font(translated_run, root):
    import browser

    language, reports = translated_run
    found = browser.rtl_check(reports, PAGES, root / "test-output" / "screenshots" / f"rtl_{language}")
    assert found["problems"] == [], found["problems"][:10]
    for page, facts in found["pages"].items():
        assert facts["lang"] == language and facts["dir"] == "rtl", page
        assert facts["font_loaded"], page  # Vazirmatn from the page itself, no fallback glyphs
        assert facts["rtl_blocks"] >= 3, page  # headings, tables, cards computed right to left


@pytest.mark.slow
def test_a_persian_export_gives_a_persian_report_with_jalali_periods(tmp_path, root):
    import persian

    files = persian.write(tmp_path / "data")
    params = _project(tmp_path, root, persian.params(files["cp1256"], "shamsi"))
    done = _run(tmp_path, params)
    assert done.returncode == 0, done.stderr[-3000:]
    reports = tmp_path / "reports" / "shamsi"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in index
    # the period line: Jalali dates with Persian month names and digits
    period = re.search(r"<th>دوره</th><td[^>]*>([^<]+)</td>", index).group(1)
    assert re.fullmatch(r"[۰-۹]+ [آ-ی]+ ۱۴۰[۲۳] تا [۰-۹]+ [آ-ی]+ ۱۴۰[۲۳]", period), period
    monitoring = (reports / "06_monitoring.html").read_text(encoding="utf-8")
    assert "۱۴۰۳" in monitoring and "2024-" not in _visible(monitoring)
    tracked = json.loads((tmp_path / "data/processed/shamsi/monitoring.json").read_text(encoding="utf-8"))
    # a Shamsi source (monitoring.calendar: auto): whole Jalali seasons, autumn and winter 1402 to the day
    assert tracked["calendar"] == "jalali" and tracked["periods"] == ["2023-12-21", "2024-03-19"]
    assert "monitoring.calendar: jalali" in monitoring
    quality = json.loads((tmp_path / "data/interim/shamsi/quality.json").read_text(encoding="utf-8"))
    assert quality["tables"]["transactions"]["rejected"] == 0
    assert "ریال" in index  # report.currency: IRR, with the amounts


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under ``folder`` but the run's lock (``.<run>.lock``: who holds the run now)."""
    return {
        f.relative_to(folder).as_posix(): f.read_bytes()
        for f in sorted(folder.rglob("*"))
        if f.is_file() and not f.name.endswith(".lock")
    }


def _as_shown(html: str) -> str:
    """A page's visible text without what differs between two executions of the same run: the
    footer (when the page was made), stage durations and the links to the run's other languages."""
    html = re.sub(r'<p class="languages">.*?</p>|<footer.*?</footer>', "", html, flags=re.S)
    return re.sub(r"[\d۰-۹٠-٩]+([.,٫][\d۰-۹٠-٩]+)? ?(s|ث|ثانیه|ثانية)\b", "<t>", _visible(html))


@pytest.mark.slow
def test_seglab_report_renders_a_run_in_other_languages_as_runs_made_in_them(languages):
    """One run, any language: ``seglab report --run one --language en,fa`` on the run made last (in
    Arabic) computes nothing (every file under data/ keeps its bytes), leaves the Arabic pages
    where they are, and writes reports/one/en/ and reports/one/fa/, whose every page says what the
    runs made in English and in Persian said; the index pages link each other."""
    tmp = languages["ar"]["project"]
    data, top = _files(tmp / "data"), tmp / "reports" / "one"
    arabic = {p.name: p.read_bytes() for p in top.glob("0*.html")}
    done = _report(tmp, "en,fa")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nothing was computed" in done.stdout
    assert _files(tmp / "data") == data  # nothing computed, nothing written, the lineage as it was
    assert {p.name: p.read_bytes() for p in top.glob("0*.html")} == arabic
    for language in ("en", "fa"):
        made = languages[language]["reports"]
        for page in PAGES:
            rendered = (top / language / page).read_text(encoding="utf-8")
            assert f'<html lang="{language}"' in rendered
            assert _as_shown(rendered) == _as_shown((made / page).read_text(encoding="utf-8")), f"{language} {page}"
        figures = sorted(p.name for p in (top / language / "figures").glob("*.png"))
        assert figures == sorted(p.name for p in (made / "figures").glob("*.png"))
    links = re.search(r'<p class="languages">(.*?)</p>', (top / "index.html").read_text(encoding="utf-8"))
    assert links and 'href="en/index.html"' in links[1] and 'href="fa/index.html"' in links[1]
    fa_index = (top / "fa" / "index.html").read_text(encoding="utf-8")
    assert 'href="../index.html" lang="ar"' in fa_index and 'href="../en/index.html"' in fa_index
    assert 'href="../exports/segments.csv"' in fa_index  # the one exports folder, from one folder down


@pytest.mark.slow
def test_a_page_rendered_again_reads_what_its_stage_kept_only_while_it_is_the_runs(languages, tmp_path, monkeypatch):
    """What a stage kept is of the files the run holds, made by this seglab: rendering stage 04's
    page again returns its kept results without computing; after a file the stage wrote changed (the
    stage ran again by hand), with other versions of the libraries, or with nothing kept, it refuses,
    naming the stage, the file and what to run."""
    from seglab.files import artifacts
    from seglab.run import session

    tmp = tmp_path / "project"
    shutil.copytree(languages["ar"]["project"], tmp, ignore=shutil.ignore_patterns("pages", "reports"))
    record = json.loads((tmp / "data" / "interim" / "one" / "kept" / "run.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("SEGLAB_ROOT", str(tmp))
    monkeypatch.setenv(session.RENDER_ENV, "en")
    lineage = tmp / "data" / "processed" / "one" / "lineage.json"
    book = json.loads(lineage.read_text(encoding="utf-8"))

    def stage_04():
        return session.start("04_persona_profiling", **{**record["params"], "report": {"language": "en"}})

    def never(*_a, **_k):
        raise AssertionError("computed while rendering")

    names = stage_04().kept("names", never)
    assert list(names["segment"]) == sorted(names["segment"]) and len(names) >= 2
    with pytest.raises(artifacts.StaleArtifact, match="kept no 'nothing'"):
        stage_04().kept("nothing", never)
    changed = {**book, "personas": {**book["personas"], "sha256": "0" * 64}}  # personas.json written again since
    lineage.write_text(json.dumps(changed), encoding="utf-8")
    refused = r"04_persona_profiling.*personas\.json changed since.*seglab run"
    with pytest.raises(artifacts.StaleArtifact, match=refused):
        stage_04().kept("names", never)
    older = {**book, "kept_04": {**book["kept_04"], "software": {"seglab": "0.0.1"}}}
    lineage.write_text(json.dumps(older), encoding="utf-8")
    with pytest.raises(artifacts.StaleArtifact, match="other versions of seglab"):
        stage_04().kept("names", never)
    lineage.write_text(json.dumps({k: v for k, v in book.items() if k != "kept_04"}), encoding="utf-8")
    with pytest.raises(artifacts.StaleArtifact, match="nothing was kept"):
        stage_04().kept("names", never)


@pytest.mark.slow
def test_a_failed_stage_says_so_in_persian_with_seglabs_message_left_to_right(tmp_path, root):
    params = _project(
        tmp_path,
        root,
        {
            "run_name": "broken_fa",
            "source": {"kind": "files", "tables": {"transactions": {"path": "nowhere.csv"}}},
            "report": {"language": "fa"},
        },
    )
    done = _run(tmp_path, params)
    assert done.returncode != 0 and "nowhere.csv" in done.stderr
    index = (tmp_path / "reports/broken_fa/index.html").read_text(encoding="utf-8")
    assert "مرحلهٔ 01_data_collection ناموفق بود." in index
    assert re.search(r'<div dir="ltr" lang="en">[^<]*nowhere\.csv: file not found', index)
    page = (tmp_path / "reports/broken_fa/01_data_collection.html").read_text(encoding="utf-8")
    assert "این مرحله ناموفق بود." in page and re.search(r'<div dir="ltr" lang="en">[^<]*nowhere\.csv', page)


def test_the_correlation_and_confusion_figures_speak_the_readers_language():
    """Issue 31: the correlation heat map named features by their columns (``recency_days``) and
    both heat maps wrote their numbers in Latin digits on a Persian page."""
    import matplotlib.pyplot as plt
    import numpy as np

    from seglab.report import plots

    rng = np.random.default_rng(0)
    feats = pd.DataFrame({"recency_days": rng.random(50), "frequency": rng.random(50), "monetary": rng.random(50)})
    cm = pd.DataFrame([[12, 3], [4, 25]], index=[1, 2], columns=[1, 2])
    for language in ("fa", "ar", "en"):
        with i18n.using(language):
            corr, conf = plots.correlation_heatmap(feats, list(feats.columns)), plots.confusion(cm)
            cells = [t.get_text() for fig in (corr, conf) for t in fig.axes[0].texts]
            ticks = [t.get_text() for t in corr.axes[0].get_xticklabels() + corr.axes[0].get_yticklabels()]
            plt.close(corr)
            plt.close(conf)
        assert len(cells) == 9 + 4 and not [t for t in ticks if "_" in t], (language, ticks)
        if language == "en":
            assert "25" in cells and "1.0" in cells
        else:
            assert not re.search("[0-9]", "".join(cells)), (language, cells)
            with i18n.using(language):
                assert i18n.digits("25") in cells, (language, cells)


def test_large_tick_labels_are_grouped_as_the_text_writes_numbers():
    """A chart's axis up to 40,000 (stage 03's inertia) reads 40,000 / ۴۰٬۰۰۰ as the pages do, not
    40000; decimals are left as they are."""
    import matplotlib.pyplot as plt

    from seglab.report.plots import style

    for language, expected in (("en", ["5,000", "40,000"]), ("fa", ["۵٬۰۰۰", "۴۰٬۰۰۰"])):
        with i18n.using(language):
            fig, ax = plt.subplots()
            ax.plot([0, 0.5], [1800, 40000])
            style.localize(fig)
            fig.canvas.draw()
            ticks = [t.get_text() for t in ax.get_yticklabels()]
            assert set(expected) <= set(ticks) and not any(t.isdigit() and len(t) > 3 for t in ticks), ticks
            assert i18n.digits("0.5", language) in [t.get_text() for t in ax.get_xticklabels()]
            plt.close(fig)


def test_toman_as_the_readme_suggests_is_written_in_the_readers_language():
    """Issue 31: ``report.currency: toman`` (no ISO code) printed "toman" on Persian pages."""
    for written in ("toman", "Toman", "تومان", "tomans"):
        with i18n.using("fa", currency=written):
            assert i18n.money(1500) == "۱٬۵۰۰\u00a0تومان" and i18n.currency_name() == "تومان"
        with i18n.using("ar", currency=written):
            assert i18n.money(1500).endswith("تومان")
    with i18n.using("en", currency="toman"):
        assert i18n.money(1500) == "1,500\u00a0toman"
    with i18n.using("fa", currency="credits"):  # a unit seglab does not know: as written
        assert i18n.money(2) == "۲\u00a0credits"


#: Python's own writing of a value, which no reader should see: a list (``[8]``, ``['a']``), a dict
#: (``{'id': ...}``), ``None``, ``nan``, ``True``, ``False`` (any digits: ``[۸]`` too). A rejected
#: row's original values, shown as the file keeps them (JSON: ``{"customer_id": ...}``), are data.
PYTHON_REPRS = re.compile(r"\[\s*(?:-?\d|')|\{\s*'|(?<![\w-])(?:None|nan|NaN|True|False)(?![\w-])")


def python_reprs(html: str) -> list[str]:
    """The visible texts of a page (outside code) that hold a Python repr."""
    parser = _Visible()
    parser.feed(html)
    return [part for part in parser.parts if PYTHON_REPRS.search(part)]


def test_the_repr_scan_finds_what_the_pages_used_to_show():
    old = "<p>k = [8] were excluded</p><td>None</td><p>{'id': 'x'}</p><td>nan</td><code>[8] None</code>"
    assert python_reprs(old) == ["k = [8] were excluded", "None", "{'id': 'x'}", "nan"]
    assert python_reprs("<p>Nonetheless, 8 segments (S1, S2) are [fine]; Truest.</p>") == []
    assert python_reprs('<td>{"customer_id":"C1","quantity":1}</td><p>k = [۸]</p>') == ["k = [۸]"]


@pytest.mark.slow
def test_no_page_shows_a_python_repr(languages):
    """Every page of a run (the index and each stage's, in every language) says values as a reader
    writes them: no ``[8]``, ``None``, ``nan``, ``True``, ``False`` or ``{...}`` outside code."""
    for language, run in languages.items():
        for page in PAGES:
            found = python_reprs((run["reports"] / page).read_text(encoding="utf-8"))
            assert found == [], f"{language} {page}: {[t[:160] for t in found[:5]]}"
