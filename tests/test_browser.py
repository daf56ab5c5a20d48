"""The built book in a real browser: every page of ``_build/html`` opened in headless Chromium.

Each page must load without a JavaScript error (uncaught or logged with console.error),
a missing image, a failed local request, a broken internal link (file or #anchor), or any
request to another host; its maths must be typeset by MathJax without TeX errors; a
chapter page must show at least one figure; widget explorers (ipywidgets views embedded
by MyST-NB) must render, and moving a slider must change which image is shown. A
full-page screenshot of each page is written to ``_build/screenshots/`` and must not be
a single colour.

The browser is Debian's Chromium (/usr/bin/chromium, driven by Playwright); the CDN
scripts the pages load are served from npm copies (tests/browser_assets.py). The tests
skip when Chromium is not installed or the npm registry cannot be reached.

They need a built book and never build it themselves: ``make test`` builds it first
(tests/test_book.py runs before this file); run on their own, they fail with a request
to build the book when ``_build/html`` is missing or older than an executed chapter.
"""

from __future__ import annotations

import functools
import html.parser
import io
import json
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_assets import RegistryUnreachable, Router, fetch_cdn_packages, serve
from PIL import Image

from scripts.build_book import BUILD, EXECUTED, HTML, ROOT, _without_suffix, chapters, toc_files
from scripts.set_repository import read_repository

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright's own browser download is not reachable
SCREENSHOTS = BUILD / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000  # for one page to load, typeset its maths or render its widgets
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
WIDGET_ERRORS = ("Error displaying widget", "Error creating widget")  # what the HTML manager writes instead

TOC_PAGES = [str(_without_suffix(entry).with_suffix(".html")) for entry in toc_files()]
CHAPTER_PAGES = {str(notebook.with_suffix(".html")) for notebook in chapters()}
EXPLORER_PAGES = {str(notebook.with_suffix(".html")) for notebook in chapters()  # chapters that show an explorer
                  if "from rnnattr.widgets import" in (ROOT / notebook).read_text()}
NOT_PAGES = {"_static", "_sources", "_images", "_downloads"}  # folders of the build that hold no pages
REDIRECT = re.compile(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    """A folder served on 127.0.0.1 at ``base``, the browser to open it in, and the npm copies of the CDN files."""

    browser: object  # playwright.sync_api.Browser
    folders: dict[str, Path]  # browser_assets.fetch_cdn_packages()
    base: str  # the server's URL, ending in /
    root: Path  # the served folder


@dataclass
class Visit:
    """What :func:`check_page` found on one page: its problems, and what it checked."""

    problems: list[str] = field(default_factory=list)
    images: int = 0  # images that loaded
    figures: int = 0  # of which in a cell output or a figure
    maths: int = 0  # .math elements typeset by MathJax
    widget_views: int = 0  # embedded widget views rendered
    sliders_moved: int = 0  # sliders that changed the visible image
    links: int = 0  # internal links checked
    colab_links: list[str] = field(default_factory=list)  # links to Colab (a chapter's launch button)
    screenshot: Path | None = None


# --- the checks, one function per kind -----------------------------------------------------------


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.update(value for key, value in attrs.items() if key == "id" and value)
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])


@functools.lru_cache(maxsize=None)
def _static_ids(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def broken_links(links, page_url: str, base: str, root: Path, live_ids: set[str]) -> tuple[int, list[str]]:
    """Return (internal links checked, problems) for ``links``, ``(href attribute, absolute URL)`` pairs.

    A link under ``base`` must name a file of ``root`` (a folder means its ``index.html``);
    with a ``#fragment``, that page must have an element with that id (or an ``<a name>``):
    the live DOM's ``live_ids`` for the page itself, the saved HTML for another page.
    """
    problems, checked = [], 0
    page_path = urllib.parse.urlsplit(page_url).path
    for raw, absolute in links:
        if not absolute.startswith(base):
            continue  # another host (not fetched: the tests have no internet), mailto:, javascript:
        checked += 1
        parts = urllib.parse.urlsplit(absolute)
        relative = urllib.parse.unquote(parts.path)[len(urllib.parse.urlsplit(base).path):]
        target = (root / relative).resolve()
        if relative == "" or relative.endswith("/"):
            target = target / "index.html"
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            problems.append(f"broken link {raw!r}: {relative or '/'} does not exist")
            continue
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment and target.suffix == ".html":
            ids = live_ids if parts.path == page_path else _static_ids(target)
            if fragment not in ids:
                problems.append(f"broken link {raw!r}: {target.relative_to(root.resolve())} has no id {fragment!r}")
    return checked, problems


def single_colour(png: Path) -> bool:
    """Whether every pixel of the image at ``png`` has the same colour."""
    with Image.open(png) as image:
        return all(low == high for low, high in image.convert("RGB").getextrema())


_LOAD_IMAGES = """async () => {
    const images = [...document.images];
    for (const image of images) if (image.loading === "lazy") image.loading = "eager";
    await Promise.all(images.map(image => image.decode().catch(() => null)));
    return images.map(image => ({
        src: image.getAttribute("src") || "", loaded: image.complete && image.naturalWidth > 0,
        figure: !!image.closest(".cell_output, figure"),
    }));
}"""

_MATHS = """() => {
    const maths = [...document.querySelectorAll(".math")];
    return {
        total: maths.length,
        untypeset: maths.filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.slice(0, 80)),
        errors: [...document.querySelectorAll("mjx-merror")].map(
            e => e.getAttribute("data-mjx-error") || e.textContent.slice(0, 80)),
    };
}"""

# the HTML manager renders each view into a .widget-subarea it inserts just before the view's script
_WIDGETS_RENDERED = """(selector) => [...document.querySelectorAll(selector)].filter(script => {
    const area = script.previousElementSibling;
    return area && area.classList.contains("widget-subarea") && area.childElementCount > 0;
}).length"""

# Which widget images are visible, by their pixels: a Stack keeps only its selected child in
# the page, so elements and their blob: URLs cannot tell one image from another.
_VISIBLE_WIDGET_IMAGES = """() => [...document.querySelectorAll(".widget-subarea img")]
    .filter(image => image.checkVisibility() && image.naturalWidth > 0)
    .map(image => {
        const canvas = document.createElement("canvas");
        [canvas.width, canvas.height] = [image.naturalWidth, image.naturalHeight];
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0);
        let hash = 2166136261;  // FNV-1a over the RGBA bytes
        for (const byte of context.getImageData(0, 0, canvas.width, canvas.height).data) {
            hash = Math.imul(hash ^ byte, 16777619) >>> 0;
        }
        return `${canvas.width}x${canvas.height}:${hash.toString(16)}`;
    })"""


def check_maths(page) -> tuple[int, list[str]]:
    """Wait for MathJax on a page with ``.math`` elements; return (typeset count, problems)."""
    if not page.locator(".math").count():
        return 0, []
    try:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
    except Exception as error:  # a timeout, or MathJax's promise rejected
        return 0, [f"MathJax did not typeset the page: {str(error).splitlines()[0]}"]
    maths = page.evaluate(_MATHS)
    problems = [f"maths not typeset: {text!r}" for text in maths["untypeset"]]
    problems += [f"TeX error: {error!r}" for error in maths["errors"]]
    return maths["total"] - len(maths["untypeset"]), problems


def check_widgets(page) -> tuple[int, int, list[str]]:
    """Check a page's embedded widget views; return (views rendered, sliders moved, problems).

    Every ``widget-view+json`` script must get its rendered view (the HTML manager puts it
    in a ``.widget-subarea`` just before the script), with no "Error displaying widget".
    Then each slider is moved one step with the keyboard (ArrowRight, or ArrowLeft at its
    maximum) and must change which widget image is visible: the explorers are a slider
    jslinked to a Stack of images, so a slider that moves nothing is a broken explorer.
    """
    views = page.locator(WIDGET_VIEW).count()
    if not views:
        return 0, 0, []
    try:
        page.wait_for_function(f"(selector) => ({_WIDGETS_RENDERED})(selector) === {views}", arg=WIDGET_VIEW)
    except Exception:
        rendered = page.evaluate(_WIDGETS_RENDERED, WIDGET_VIEW)
        return rendered, 0, [f"only {rendered} of {views} widget views rendered within {TIMEOUT_MS / 1000:.0f} s"]
    problems = []
    text = page.locator(".widget-subarea").all_inner_texts()
    problems += [f"widget error: {error!r}" for error in WIDGET_ERRORS if any(error in t for t in text)]
    sliders = page.locator(".widget-subarea .widget-slider")
    moved = 0
    for index in range(sliders.count()):
        handle = sliders.nth(index).locator('[role="slider"]')
        if handle.count() != 1:
            problems.append(f"slider {index}: no keyboard handle ([role=slider]) to move it with")
            continue
        before_images = page.evaluate(_VISIBLE_WIDGET_IMAGES)
        before_value = handle.get_attribute("aria-valuenow")
        handle.focus()
        page.keyboard.press("ArrowRight")
        if handle.get_attribute("aria-valuenow") == before_value:  # at its maximum
            page.keyboard.press("ArrowLeft")
        after_value = handle.get_attribute("aria-valuenow")
        if after_value == before_value:
            problems.append(f"slider {index}: the arrow keys do not move it (value {before_value})")
            continue
        try:
            page.wait_for_function(f"(before) => JSON.stringify(({_VISIBLE_WIDGET_IMAGES})()) !== before",
                                   arg=json.dumps(before_images, separators=(",", ":")), timeout=3_000)
            moved += 1
        except Exception:
            problems.append(f"slider {index}: moving it from {before_value} to {after_value} did not change "
                            f"which image is visible (visible widget images, size:pixel hash: {before_images})")
    return views, moved, problems


def check_page(site: Site, path: str, *, chapter: bool = False, screenshot: Path | None = None) -> Visit:
    """Open the page ``path`` (relative to ``site.root``) and run every check on it; return the :class:`Visit`.

    Each page opens in a browser context of its own, as a reader's first visit (no
    storage, no cache), with a :class:`Router` that serves the CDN files and records any
    other external request. ``chapter`` asks for at least one figure; ``screenshot`` is
    where the full-page screenshot goes (none when ``None``).
    """
    visit = Visit()
    base, root = site.base, site.root
    context = site.browser.new_context(viewport=VIEWPORT)
    router = Router(base, site.folders)
    router.install(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda error: visit.problems.append(f"JavaScript error: {error}"))
    page.on("console", lambda message: message.type == "error" and visit.problems.append(
        f"console error: {message.text} ({message.location.get('url', '')})"))
    page.on("requestfailed", lambda request: request.url.startswith(base) and visit.problems.append(
        f"request failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: response.url.startswith(base) and response.status >= 400
            and visit.problems.append(f"HTTP {response.status}: {response.url}"))
    try:
        page.goto(base + path, wait_until="load")
        source = (root / path).read_text(errors="replace") if (root / path).is_file() else ""
        if redirect := REDIRECT.search(source):  # Jupyter Book's index.html sends the reader to the root page
            page.wait_for_url(urllib.parse.urljoin(base + path, redirect.group(1)), wait_until="load")

        visit.maths, problems = check_maths(page)
        visit.problems += problems

        visit.widget_views, visit.sliders_moved, problems = check_widgets(page)  # before images: widgets add some
        visit.problems += problems

        images = page.evaluate(_LOAD_IMAGES)
        visit.problems += [f"image did not load: {image['src']}" for image in images if not image["loaded"]]
        visit.images = sum(image["loaded"] for image in images)
        visit.figures = sum(image["loaded"] and image["figure"] for image in images)
        if chapter and not visit.figures:
            visit.problems.append("chapter page shows no figure (no loaded image in a cell output or figure)")

        links = page.eval_on_selector_all("a[href]", "links => links.map(a => [a.getAttribute('href'), a.href])")
        live_ids = set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)"))
        visit.links, problems = broken_links(links, page.url, base, root, live_ids)
        visit.problems += problems
        visit.colab_links = [href for href, _ in links if href.startswith("https://colab.research.google.com/")]

        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot, full_page=True, animations="disabled")
            visit.screenshot = screenshot
            if single_colour(screenshot):
                visit.problems.append(f"screenshot {screenshot} is a single colour: the page shows nothing")
    finally:
        context.close()
    visit.problems += [f"request to another host (blocked): {url}" for url in router.external]
    visit.problems += [f"CDN file not in its npm package (answered 404): {url}" for url in router.missing]
    return visit


def _report(page: str, visit: Visit) -> str:
    return f"{page}: {len(visit.problems)} problem(s):\n  " + "\n  ".join(visit.problems)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian Chromium through Playwright; skips when /usr/bin/chromium is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) for the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def cdn_folders():
    """The npm copies of the CDN packages, fetched once into _build/browser-cache."""
    try:
        return fetch_cdn_packages()
    except RegistryUnreachable as error:
        pytest.skip(f"the npm registry cannot be reached, so the pages' CDN scripts cannot be served: {error}")


def stale_build(html: Path, executed: Path) -> str | None:
    """Say why the book in ``html`` cannot be tested, or return ``None`` when it is up to date.

    It cannot when ``html/index.html`` is missing or older than an executed notebook under
    ``executed`` (a chapter executed again since the last build).
    """
    index = html / "index.html"
    how = "build the book first: `make book` (or `make test`, which builds it before this file runs)"
    if not index.is_file():
        return f"{index} is missing: {how}"
    built = index.stat().st_mtime
    notebooks = executed.rglob("*.ipynb")
    newer = sorted(str(path.relative_to(executed)) for path in notebooks if path.stat().st_mtime > built)
    return f"{html} is older than the executed chapters {newer}: {how}" if newer else None


@pytest.fixture(scope="module")
def book_html():
    """``_build/html``, after checking that it exists and is newer than every executed chapter."""
    if reason := stale_build(HTML, EXECUTED):
        pytest.fail(reason, pytrace=False)
    return HTML


@pytest.fixture(scope="module")
def book(chromium, cdn_folders, book_html):
    """The built book served on 127.0.0.1 (a :class:`Site`); its screenshots start afresh."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with serve(book_html) as base:
        yield Site(chromium, cdn_folders, base, book_html)


def _check_book_page(book: Site, page: str) -> Visit:
    screenshot = SCREENSHOTS / Path(page).with_suffix(".png")
    return check_page(book, page, chapter=page in CHAPTER_PAGES, screenshot=screenshot)


# --- the book ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", TOC_PAGES, ids=[Path(page).stem for page in TOC_PAGES])
def test_page_works_offline_in_a_browser(book, page):
    visit = _check_book_page(book, page)
    if page in CHAPTER_PAGES:  # the launch button opens this chapter's notebook on the book's repository and branch
        repository, branch = read_repository()
        colab = (f"https://colab.research.google.com/github/{repository}/blob/{branch}/"
                 f"{Path(page).with_suffix('.ipynb')}")
        if colab not in visit.colab_links:
            visit.problems.append(f"no Colab link to {colab} (found {visit.colab_links})")
    if page in EXPLORER_PAGES and not visit.sliders_moved:
        visit.problems.append(f"the chapter shows an explorer, but {visit.widget_views} widget views rendered "
                              "and no slider changed an image (was the widget state saved?)")
    if visit.problems:
        pytest.fail(_report(page, visit), pytrace=False)


def test_every_other_built_page_works_offline_in_a_browser(book):
    # genindex, search, the redirecting index.html, and any page a future extension adds
    root = book.root
    pages = sorted(str(path.relative_to(root)) for path in root.rglob("*.html")
                   if not NOT_PAGES & set(path.relative_to(root).parts))
    others = [page for page in pages if page not in TOC_PAGES]
    assert others, f"expected pages besides the toc's (genindex.html, search.html) in {root}"
    reports = [_report(page, visit) for page in others if (visit := _check_book_page(book, page)).problems]
    if reports:
        pytest.fail("\n".join(reports), pytrace=False)


# --- the checks themselves, on pages made to pass or fail ---------------------------------------


def test_a_missing_or_stale_build_is_refused(tmp_path):
    html, executed = tmp_path / "html", tmp_path / "executed"
    (executed / "chapters").mkdir(parents=True)
    html.mkdir()
    assert "index.html is missing" in stale_build(html, executed)
    (html / "index.html").write_text("<html></html>")
    notebook = executed / "chapters" / "a.ipynb"
    notebook.write_text("{}")
    os.utime(html / "index.html", (1_000, 1_000))
    os.utime(notebook, (2_000, 2_000))  # executed after the build
    assert "older than the executed chapters ['chapters/a.ipynb']" in stale_build(html, executed)
    os.utime(html / "index.html", (3_000, 3_000))
    assert stale_build(html, executed) is None


def _png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def write_explorer(path: Path, *, linked: bool) -> Path:
    """Write an explorer like the chapters': an IntSlider jslinked (or not) to a Stack of two Images.

    The page is ipywidgets' own embedding (``embed_minimal_html``) with MyST-NB's URL for the
    HTML manager, so it loads the same scripts as a book page with widgets.
    """
    import ipywidgets as widgets
    from ipywidgets.embed import dependency_state, embed_minimal_html
    from myst_nb.core.config import ipywidgets_js_factory

    manager = next(url for url in ipywidgets_js_factory() if "html-manager" in url)
    slider = widgets.IntSlider(value=0, min=0, max=1, description="image")
    images = [widgets.Image(value=_png(colour), format="png") for colour in ("tomato", "steelblue")]
    stack = widgets.Stack(images, selected_index=0)
    made = [slider, stack, *images]
    if linked:
        made.append(widgets.jslink((slider, "value"), (stack, "selected_index")))
    box = widgets.VBox([slider, stack])
    # the state of these widgets only (and the link between them), not of every widget made in this process
    embed_minimal_html(path, views=[box], state=dependency_state([box]), embed_url=manager, title="explorer")
    for widget in [box, *made]:
        widget.close()
    return path


@pytest.fixture
def local_site(chromium, cdn_folders, tmp_path):
    """``tmp_path`` served on 127.0.0.1 (a :class:`Site`)."""
    with serve(tmp_path) as base:
        yield Site(chromium, cdn_folders, base, tmp_path)


def test_explorer_check_passes_when_the_slider_switches_the_image(local_site):
    root = local_site.root
    write_explorer(root / "explorer.html", linked=True)
    visit = check_page(local_site, "explorer.html", screenshot=root / "explorer.png")
    assert not visit.problems, _report("explorer.html", visit)
    assert (visit.widget_views, visit.sliders_moved) == (1, 1)
    assert visit.images == 1  # a Stack puts only its selected child in the page


def test_explorer_check_fails_when_the_slider_moves_nothing(local_site):
    root = local_site.root
    write_explorer(root / "explorer.html", linked=False)
    visit = check_page(local_site, "explorer.html")
    assert visit.widget_views == 1 and visit.sliders_moved == 0
    assert len(visit.problems) == 1 and "did not change which image is visible" in visit.problems[0], visit.problems


def test_page_checks_find_every_kind_of_breakage(local_site):
    root = local_site.root
    mathjax = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
    (root / "target.html").write_text('<!doctype html><html><body><p id="here">target</p></body></html>')
    (root / "broken.html").write_text(f"""<!doctype html><html><head>
        <script defer src="{mathjax}"></script></head><body><h1 id="top">Broken</h1>
        <p><span class="math">\\(x^2\\)</span> and <span class="math">\\(\\frac{{1}}\\)</span></p>
        <img src="missing.png" alt="gone">
        <a href="target.html#here">fine</a> <a href="#top">fine too</a>
        <a href="target.html#nowhere">bad anchor</a> <a href="gone.html">bad file</a> <a href="#nope">bad here</a>
        <a href="https://example.org/">another host: not checked</a>
        <script>throw new Error("boom");</script>
        <script src="https://example.invalid/tracker.js"></script>
        </body></html>""")
    visit = check_page(local_site, "broken.html", chapter=True, screenshot=root / "broken.png")
    problems = "\n".join(visit.problems)
    for expected in ["JavaScript error: boom", "image did not load: missing.png", "HTTP 404:",
                     "broken link 'target.html#nowhere'", "broken link 'gone.html'", "broken link '#nope'",
                     "request to another host (blocked): https://example.invalid/tracker.js",
                     "TeX error", "chapter page shows no figure"]:
        assert expected in problems, f"{expected!r} not reported; got:\n{problems}"
    assert "'target.html#here'" not in problems and "'#top'" not in problems
    assert visit.maths == 2 and visit.links == 5  # both formulas typeset (one as an error); example.org unchecked

    (root / "blank.html").write_text("<!doctype html><html><body></body></html>")
    visit = check_page(local_site, "blank.html", screenshot=root / "blank.png")
    assert visit.problems == [f"screenshot {root / 'blank.png'} is a single colour: the page shows nothing"]
