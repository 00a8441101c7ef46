"""The workshop's slide deck, generated from the notebooks: the opener (the seeds' ideas: why
segment, the lenses, behaviour, the archetypes, MIDAS, the Boston matrix, the relationship stage),
then for each notebook its goals, each exercise and each discussion prompt, as the learners read
them in their notebook (the same cells, in the same language), and the wrap-up.

One self-contained HTML page per language (the font embedded, no script, no network): a slide
fills the screen and Page Down goes to the next; printed, each slide is one landscape A4 page.
``seglab-workshop --instructor`` writes it beside the guide as ``slides.html``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from seglab import i18n
from seglab_workshop import messages
from seglab_workshop import source as workshop_source
from seglab_workshop.messages import N_

__all__ = ["OPENER", "deck", "notebook_slides", "write"]

#: The opening slides (Markdown), from the seed articles (see ``domain.md``); contactability is
#: seglab's own lens and said to be.
OPENER = (
    N_(
        "# Customer segmentation in three hours\n\nFrom raw customer data to a prioritised list of segments, "
        "on a small shop where the truth is known."
    ),
    N_(
        "## Why segment\n\n"
        "- Customers differ: one identical marketing action for all of them fails.\n"
        "- Groups must be distinct on specific traits, and each is reached differently.\n"
        "- Better offers per group, lower marketing cost, loyalty over time.\n"
        "- Look at a customer's value over time, not the value of one purchase."
    ),
    N_(
        "## What to segment on: the lenses\n\n"
        "- **Demographic**: who they are (age, gender, income).\n"
        "- **Geographic**: where they live.\n"
        "- **Psychographic**: attitudes, interests, life-cycle stage.\n"
        "- **Behavioural**: what they do (how often, how much, how they respond).\n"
        "- **Firmographic**: for businesses (size, turnover).\n\n"
        "seglab adds one of its own, **contactability**: whether we may reach a customer at all."
    ),
    N_(
        "## Behaviour before demographics\n\n"
        "Only a third of companies that segment call it significantly effective, mostly because they stop at "
        "demographics. Behaviour gives four things:\n\n"
        "1. **Personalisation**: the right effort, time and channel per group.\n"
        "2. **Prediction**: past behaviour predicts value and churn.\n"
        "3. **Prioritisation**: where to spend time and budget.\n"
        "4. **Monitoring**: which segments grow or shrink."
    ),
    N_(
        "## Five archetypes, planted in our shop\n\n"
        "- **Loyal customers**: a small share of the base, often much of the revenue, loyal to the brand.\n"
        "- **Impulse shoppers**: browse without a goal, spend a lot.\n"
        "- **Bargain hunters**: hunt deals, rarely become loyal.\n"
        "- **Wandering customers**: many visits, few purchases.\n"
        "- **Need-based customers**: need it, see it, buy it."
    ),
    N_(
        "## Is it a good segmentation? MIDAS\n\n"
        "- **Measurable**: size and value can be counted.\n"
        "- **Identifiable**: every customer is in exactly one group.\n"
        "- **Definable**: a few plain questions find the group.\n"
        "- **Actionable**: we can reach it and act on it.\n"
        "- **Viable** (*sustainable*): worth the effort over the years."
    ),
    N_(
        "## Where to spend: the Boston matrix\n\n"
        "Two axes: **attractiveness** of the segment (size, growth, value, competition, fit) and our "
        "**ability to win** it (appeal, channels, media mix, credibility).\n\n"
        "- **Target**: both high: protect them.\n"
        "- **Convert**: attractive, but we win them poorly: improve one thing.\n"
        "- **Grow**: easy to win, less valuable: review, find another way.\n"
        "- **Ignore**: neither: spend nothing here."
    ),
    N_(
        "## One message per segment, and the relationship stage\n\n"
        "- New customers need support: onboarding, how to use what they bought.\n"
        "- Long-standing customers need reasons to stay: loyalty offers, what is new.\n"
        "- No e-mail to customers who cannot see it: the channel is part of the message."
    ),
)
#: The last slide.
WRAP_UP = N_(
    "## Wrap-up\n\nThe same method, end to end, on your own data: `make report` runs the six stages "
    "and writes the report a marketer reads, in English, Persian or Arabic."
)


def _markdown(text: str) -> str:
    import mistune

    return mistune.create_markdown(plugins=["table"], escape=True)(text)


def _kind(cell: dict) -> str | None:
    """What a notebook cell is on a slide: the notebook's title and goals, an exercise, a prompt."""
    text = "".join(cell["source"]).lstrip()
    if cell["cell_type"] != "markdown":
        return None
    if text.startswith("# "):
        return "title"
    if text.startswith("## "):
        return "exercise"
    if text.startswith(("**Discuss.**", "**Try it.**")):
        return "discuss"
    return None


def notebook_slides(source: Path, stem: str, language: str) -> list[str]:
    """The slides of one notebook (Markdown), its cells in ``language`` as its learners read them."""
    nb = json.loads((source / f"{stem}.ipynb").read_text(encoding="utf-8"))
    out = []
    in_context = messages.pgettext  # (a cell's text, not a literal: the catalog has it from the notebook)
    with i18n.using(language):
        for cell in nb["cells"]:
            if _kind(cell):
                out.append(in_context(i18n.notebook_context(stem, cell["id"]), "".join(cell["source"])))
    return out


def deck(language: str = "en", source: Path | None = None) -> str:
    """The slide deck in ``language`` as one self-contained HTML page."""
    from seglab.text import CSP
    from seglab_workshop import NOTEBOOKS

    source = source or workshop_source()
    with i18n.using(language):
        slides = [messages.MESSAGES.gettext(s) for s in OPENER]
        for stem in NOTEBOOKS:
            slides += notebook_slides(source, stem, language)
        slides.append(messages.MESSAGES.gettext(WRAP_UP))
        page = i18n.page_context()
        title = html.escape(messages.MESSAGES.gettext(OPENER[0]).splitlines()[0].lstrip("# "))
        numbers = [i18n.number(n) for n in range(1, len(slides) + 1)]
    sections = "\n".join(
        f'<section id="s{n}">\n{_markdown(text)}<footer>{numbers[n - 1]}</footer>\n</section>'
        for n, text in enumerate(slides, 1)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{page["lang"]}" dir="{page["dir"]}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{page['font_css']}\n{_CSS % {'font': page['font_family']}}\n</style>\n"
        f"</head>\n<body>\n{sections}\n</body>\n</html>\n"
    )


_CSS = """html{scroll-snap-type:y mandatory}
body{margin:0;font-family:%(font)ssystem-ui,sans-serif;color:#1d2733;background:#eef1f4}
section{box-sizing:border-box;min-height:100vh;scroll-snap-align:start;display:flex;flex-direction:column;
justify-content:center;padding:6vh 9vw;background:#fff;border-bottom:6px solid #eef1f4;position:relative;
font-size:clamp(16px,2.6vmin,30px);line-height:1.45}
h1{font-size:2.2em;margin:0 0 .5em;color:#12456b}h2{font-size:1.6em;margin:0 0 .6em;color:#12456b}
li{margin:.25em 0}code{direction:ltr;unicode-bidi:isolate;background:#f1f3f5;padding:0 .2em;border-radius:3px}
footer{position:absolute;bottom:3vh;inset-inline-end:4vw;color:#8a96a3;font-size:.7em}
@media (max-width:700px){section{padding:6vh 6vw;font-size:17px}}
@media print{@page{size:A4 landscape;margin:0}html{scroll-snap-type:none}body{background:#fff}
section{min-height:0;height:209mm;break-after:page;border:0;font-size:18pt}}"""


def write(out: Path, language: str = "en") -> Path:
    """``out/slides.html``: the deck in ``language``."""
    from seglab import io

    out.mkdir(parents=True, exist_ok=True)
    return io.write_text(deck(language), out / "slides.html")
