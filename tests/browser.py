"""Load report pages in a real browser (Debian's chromium, driven by Playwright) and check them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import skip_or_fail


def chromium() -> str:
    """Path of the chromium binary (SEGLAB_CHROMIUM, else chromium on PATH); skip or fail without."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("the Python package playwright is not installed (pip install -e '.[test]')")
    path = os.environ.get("SEGLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        skip_or_fail("chromium not found: `make chromium` installs Debian's package (needs root)")
    return path


@dataclass
class PageCheck:
    page: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    images: int = 0
    links: int = 0
    screenshot: Path | None = None

    def problems(self) -> list[str]:
        return (
            [f"{self.page}: console error: {m}" for m in self.console_errors]
            + [f"{self.page}: request failed: {m}" for m in self.failed_requests]
            + [f"{self.page}: image not loaded: {m}" for m in self.broken_images]
            + [f"{self.page}: link does not resolve: {m}" for m in self.broken_links]
        )


def check_pages(folder: Path, pages: list[str], screenshots: Path) -> list[PageCheck]:
    """Open each page of ``folder`` headless: console errors, failed requests, images that did not
    load (natural width 0), links to files or anchors that do not exist; a full-page screenshot of
    each goes to ``screenshots``."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            for name in pages:
                check = PageCheck(name)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.on("console", lambda m, c=check: c.console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda exc, c=check: c.console_errors.append(str(exc)))
                page.on("requestfailed", lambda r, c=check: c.failed_requests.append(r.url[:120]))
                page.goto((folder / name).resolve().as_uri(), wait_until="load")
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.alt || e.src.slice(0, 60), e.complete, e.naturalWidth])"
                )
                check.images = len(images)
                check.broken_images = [alt for alt, complete, width in images if not complete or width == 0]
                hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                check.links = len(hrefs)
                for href in hrefs:
                    if not _resolves(page, folder, href):
                        check.broken_links.append(href)
                check.screenshot = screenshots / f"{Path(name).stem}.png"
                page.screenshot(path=str(check.screenshot), full_page=True)
                page.close()
                results.append(check)
        finally:
            browser.close()
    return results


def _resolves(page, folder: Path, href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme in ("http", "https", "mailto"):
        return False  # a report must work offline: no link leaves it
    if parts.scheme == "data":
        return True
    if parts.path:
        target = (folder / unquote(parts.path)).resolve()
        if not target.is_file():
            return False
        return True  # an anchor in another page is checked when that page is opened
    if not parts.fragment:
        return True
    # as browsers do (HTML spec, "find a potential indicated element"): the fragment as written,
    # then percent-decoded
    return any(
        page.evaluate("id => !!(document.getElementById(id) || document.getElementsByName(id).length)", a)
        for a in (parts.fragment, unquote(parts.fragment))
    )


#: Elements that data or parameters put in a page (hostile-data test payloads carry "xss" or an
#: id starting "pwn"): they must not exist, only their text.
INJECTED_JS = """() => [...document.querySelectorAll('*')].filter(e =>
    (e.id || '').startsWith('pwn')
    || (e.tagName === 'SCRIPT' && e.textContent.includes('xss'))
    || (e.tagName === 'A' && (e.getAttribute('href') || '').includes('evil.example'))
    || [...e.attributes].some(a => (a.name.startsWith('on') && a.value.includes('xss'))
                                   || a.value.trim().toLowerCase().startsWith('javascript:'))
).map(e => e.outerHTML.slice(0, 160))"""


def hostile_check(folder: Path, pages: list[str], screenshots: Path) -> dict:
    """Open each page of ``folder`` headless and wait for anything to run: the dialogs opened
    (alert, confirm, prompt), the elements injected (:data:`INJECTED_JS`), each page's visible
    text; a screenshot of each."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    found: dict = {"dialogs": [], "injected": [], "text": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            for name in pages:
                page = browser.new_page(viewport={"width": 1280, "height": 900})

                def on_dialog(dialog, name=name):
                    found["dialogs"].append(f"{name}: {dialog.type} {dialog.message!r}")
                    dialog.dismiss()

                page.on("dialog", on_dialog)
                page.goto((folder / name).resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(300)  # onload/onerror handlers fire after load
                found["injected"] += [f"{name}: {html}" for html in page.evaluate(INJECTED_JS)]
                found["text"][name] = page.inner_text("body")
                page.screenshot(path=str(screenshots / f"{Path(name).stem}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    return found


#: What a right-to-left page must be: lang and dir on <html>, the embedded font loaded and able to
#: draw Persian/Arabic, headings, tables and cards laid out right to left, nothing wider than
#: the window.
RTL_JS = """async () => {
    await document.fonts.ready;
    const faces = [...document.fonts].filter(f => f.family.replace(/['"]/g, '') === 'Vazirmatn');
    const blocks = [...document.querySelectorAll('h1, h2, th, td, .persona-card, p')]
        .filter(e => e.offsetParent !== null && (e.textContent || '').trim());
    const rtl = blocks.filter(e => getComputedStyle(e).direction === 'rtl');
    const ltrText = blocks.filter(e => getComputedStyle(e).direction !== 'rtl'
        && !e.closest('code, pre, .jp-CodeCell') && /[\\u0600-\\u06ff]/.test(e.textContent))
        .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 60));
    const body = getComputedStyle(document.body).fontFamily;
    return {
        lang: document.documentElement.lang,
        dir: document.documentElement.dir,
        font_loaded: faces.length > 0 && faces.some(f => f.status === 'loaded')
            && document.fonts.check('16px Vazirmatn', 'مشتریان ۱۲۳ العملاء ١٢٣'),
        body_font: body,
        rtl_blocks: rtl.length,
        ltr_text: ltrText,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
}"""


def rtl_check(folder: Path, pages: list[str], screenshots: Path) -> dict:
    """Open each right-to-left page at 1300 px and 400 px: :data:`RTL_JS` facts per page (at
    1300 px), and the problems found at either width; a screenshot of each page at each width."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    found: dict = {"pages": {}, "problems": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            for name in pages:
                for width in (1300, 400):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto((folder / name).resolve().as_uri(), wait_until="load")
                    facts = page.evaluate(RTL_JS)
                    if width == 1300:
                        found["pages"][name] = facts
                    if facts["overflow"] > 1:
                        found["problems"].append(f"{name} at {width} px: {facts['overflow']} px wider than the window")
                    if "Vazirmatn" not in facts["body_font"]:
                        found["problems"].append(f"{name}: the body is set in {facts['body_font']}")
                    found["problems"] += [f"{name} at {width} px: left to right: {t}" for t in facts["ltr_text"]]
                    page.screenshot(path=str(screenshots / f"{Path(name).stem}_{width}.png"), full_page=True)
                    page.close()
        finally:
            browser.close()
    return found


#: Code, paths and file names as a reader sees them on a page: every element holding code
#: (code, pre, kbd, samp, bdi.ltr; not a stage's printed text) must compute left to right in an
#: isolate; every path or file name or ``key: value`` line in the visible text must draw its
#: characters left to right (the boxes of its characters, one Range each, advance along a line);
#: and no code is broken mid-word (a code element's words each on one line). (A token stops at a
#: right-to-left letter: a Persian value reads right to left inside its left-to-right line.)
BIDI_JS = """() => {
    const tokens = new RegExp([
        /(?:\\.\\.?\\/)?[A-Za-z0-9_-]+(?:[\\/.][A-Za-z0-9_-]+)*\\.(?:csv|parquet|json|ya?ml|png|ipynb|html|xlsx)\\b/.source,
        /(?:\\.\\.\\/)+[A-Za-z0-9_.\\/-]+/.source,
        /[A-Za-z_]+(?:\\.[A-Za-z_]+)*: [^\\s\\u0590-\\u08ff]+/.source,
    ].join('|'), 'g');
    const out = {tokens: [], reversed: [], not_isolated: [], broken: []};
    // the text of each block (its text nodes in order: a path may span <wbr> or inline elements)
    const blocks = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walker.nextNode())) {
        const el = n.parentElement;
        if (!el || el.closest('style, script, .jp-InputArea') || !el.getClientRects().length) continue;
        let block = el;
        while (block.parentElement && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
        if (!blocks.has(block)) blocks.set(block, []);
        blocks.get(block).push(n);
    }
    for (const [block, nodes] of blocks) {
        const text = nodes.map(t => t.textContent).join('');
        const at = i => {  // the text node and offset of character i of the block's text
            for (const t of nodes) { if (i < t.textContent.length) return [t, i]; i -= t.textContent.length; }
        };
        for (const m of text.matchAll(tokens)) {
            const boxes = [];
            for (let i = 0; i < m[0].length; i++) {
                if (/\\s/.test(m[0][i])) continue;  // (a space ending a line is drawn where it fits)
                const [t, k] = at(m.index + i);
                const r = document.createRange();
                r.setStart(t, k);
                r.setEnd(t, k + 1);
                const rect = r.getClientRects()[0];
                if (rect && rect.width > 0) boxes.push(rect);
            }
            out.tokens.push(m[0]);
            if (boxes.some((b, i) => i && Math.abs(b.top - boxes[i - 1].top) < 2 && b.left < boxes[i - 1].left - 0.5))
                out.reversed.push(block.tagName + ': ' + m[0] + ' | ' + text.trim().slice(0, 80));
        }
    }
    for (const el of document.querySelectorAll('code, pre, kbd, samp, bdi.ltr')) {
        // (a stage's printed text is in the reader's language: its paths are checked above)
        if (!el.getClientRects().length || el.closest('.jp-RenderedText')) continue;
        const s = getComputedStyle(el);
        if (s.direction !== 'ltr' || !['isolate', 'isolate-override', 'plaintext'].includes(s.unicodeBidi))
            out.not_isolated.push(`${el.tagName} ${s.direction} ${s.unicodeBidi}: ${el.textContent.slice(0, 60)}`);
        // a word of code on two lines: the first and last characters of a word drawn on different lines
        const text = el.textContent;
        const node = [...el.childNodes].find(c => c.nodeType === 3 && c.textContent.trim());
        if (!node) continue;
        for (const m of node.textContent.matchAll(/\\S{2,}/g)) {
            const first = document.createRange(), last = document.createRange();
            first.setStart(node, m.index); first.setEnd(node, m.index + 1);
            last.setStart(node, m.index + m[0].length - 1); last.setEnd(node, m.index + m[0].length);
            const a = first.getClientRects()[0], b = last.getClientRects()[0];
            if (a && b && Math.abs(a.top - b.top) > 2) { out.broken.push(m[0] + ' | ' + text.slice(0, 60)); break; }
        }
    }
    return out;
}"""

#: A page laid out for a phone or for paper: the figures each <img> loaded (a <picture> picks its
#: phone version at 600 px and less), and per table whether it fits its container (scrollWidth)
#: and, scrolled to its far end, whether its first column is still in view.
LAYOUT_JS = """async () => {
    await document.fonts.ready;
    const page = document.documentElement.clientWidth;
    const tables = [...document.querySelectorAll('table')].filter(t => t.getClientRects().length).map(t => {
        const box = t.closest('.scroll') || t;
        const wide = box.scrollWidth > box.clientWidth + 1;
        let key_in_view = true;
        if (wide) {
            box.scrollLeft = getComputedStyle(box).direction === 'rtl' ? -box.scrollWidth : box.scrollWidth;
            const cell = t.querySelector('tbody tr:last-child > :first-child, tr:last-child > :first-child');
            const r = cell.getBoundingClientRect(), b = box.getBoundingClientRect();
            key_in_view = r.left >= b.left - 1 && r.right <= b.right + 1;
            box.scrollLeft = 0;
        }
        return {head: (t.querySelector('tr') || t).textContent.trim().slice(0, 50), wide,
                fits_page: t.getBoundingClientRect().right <= page + 1 && t.getBoundingClientRect().left >= -1,
                key_in_view};
    });
    const images = [...document.querySelectorAll('img')].filter(i => i.getClientRects().length).map(i => ({
        alt: i.alt, phone: i.currentSrc !== i.src, width: i.getBoundingClientRect().width,
        natural: i.naturalWidth, in_picture: !!i.closest('picture')}));
    return {tables, images, overflow: document.documentElement.scrollWidth - page};
}"""


def layout_check(file: Path, width: int, print_media: bool = False, pdf: Path | None = None) -> dict:
    """Open ``file`` at ``width`` px (screen, or print media: paper) and return :data:`LAYOUT_JS`'s
    facts and, for a right-to-left page, :data:`BIDI_JS`'s; ``pdf``: also print the page there
    (Chromium's PDF, A4)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            if print_media:
                page.emulate_media(media="print")
            page.goto(file.resolve().as_uri(), wait_until="load")
            facts = page.evaluate(LAYOUT_JS)
            facts["bidi"] = page.evaluate(BIDI_JS)
            if pdf is not None:
                page.pdf(path=str(pdf), format="A4")
        finally:
            browser.close()
    return facts


def review_shots(reports: Path, out: Path) -> list[Path]:
    """What a reviewer of a run's pages looks at (issue 31): the index and every stage page in each
    language the run has (``reports/<run>/`` and its ``fa/``, ``ar/``) at 400 and 1300 px, full page,
    and each index as an A4 PDF and as printed (print media at A4 width). Returns the files.
    """
    from playwright.sync_api import sync_playwright

    from seglab.run import pipeline

    out.mkdir(parents=True, exist_ok=True)
    names = ["index"] + [name for name, _ in pipeline.STAGES]
    folders = {"en": reports, **{lang: reports / lang for lang in ("fa", "ar") if (reports / lang).is_dir()}}
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            for lang, folder in folders.items():
                for width in (400, 1300):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    for name in names:
                        page.goto((folder / f"{name}.html").resolve().as_uri())
                        written.append(out / f"{lang}_{name}_{width}.png")
                        page.screenshot(path=str(written[-1]), full_page=True)
                    page.close()
                page = browser.new_page(viewport={"width": 794, "height": 1123})
                page.goto((folder / "index.html").resolve().as_uri())
                written.append(out / f"{lang}_index_A4.pdf")
                page.pdf(path=str(written[-1]), format="A4", print_background=True)
                page.emulate_media(media="print")
                written.append(out / f"{lang}_index_print.png")
                page.screenshot(path=str(written[-1]), full_page=True)
                page.close()
        finally:
            browser.close()
    return written


if __name__ == "__main__":  # python tests/browser.py reports/<run> <folder of screenshots>
    import sys

    print("\n".join(str(p) for p in review_shots(Path(sys.argv[1]), Path(sys.argv[2]))))
