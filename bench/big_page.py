"""The build page in Chromium on big logs: today's full-load page beside the
checkout's page, each probe timed inside the page.

Today's page is the bundle built from commit OLD_COMMIT's sources with the
project's esbuild, served in place of /static/dist/build-page.js (and the
stylesheet, when it changed since) by Playwright's request interception. The
probes that run in the page are bench/big-probes.js.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "75b9d9f"
STYLESHEET = "app/static/css/buildtail.css"
SCRIPT_URL = re.compile(r"/static/dist/build-page\.js(\?.*)?$")
STYLESHEET_URL = re.compile(r"/static/css/buildtail\.css(\?.*)?$")
VIEWPORT = {"width": 1280, "height": 900}

PROBES = Path(__file__).resolve().parent / "big-probes.js"
ROWS_IN_VIEW = "() => benchProbes.rowsInView()"
LINE_SHOWN = "([n, selected]) => benchProbes.lineShown(n, selected)"
NEWEST_SHOWN = "(n) => benchProbes.newestShown(n)"
SEARCH_TO = "(args) => benchProbes.searchTo(...args)"


def serving(body: bytes, content_type: str):
    """A route handler that answers with ``body``."""
    return lambda route: route.fulfill(body=body, content_type=content_type)


class Unmeasured(Exception):
    """A probe that could not give a figure: too slow, crashed or broken; str() says which."""


@dataclass
class Variant:
    """One of the two pages: `routes` maps a URL pattern to the body served for it."""

    name: str
    routes: dict = field(default_factory=dict)
    cap_s: float = 120

    def page(self, browser):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(path=PROBES)
        for pattern, (body, content_type) in self.routes.items():
            context.route(pattern, serving(body, content_type))
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page


def old_variant(cap_s: float) -> Variant:
    """Today's full-load page: build-page.js bundled from OLD_COMMIT's sources
    as package.json's build script bundles it."""
    with tempfile.TemporaryDirectory(prefix="buildtail-old-page-") as scratch:
        sources = subprocess.run(["git", "archive", OLD_COMMIT, "app/static/src"], cwd=ROOT,
                                 capture_output=True, check=False)
        if sources.returncode:
            raise RuntimeError(f"today's page is built from commit {OLD_COMMIT}, which this "
                               "checkout lacks (a shallow clone? git fetch --unshallow): "
                               + sources.stderr.decode().strip())
        with tarfile.open(fileobj=io.BytesIO(sources.stdout)) as archive:
            archive.extractall(scratch, filter="data")
        subprocess.run(
            [str(ROOT / "node_modules" / ".bin" / "esbuild"),
             f"{scratch}/app/static/src/build-page.js", "--bundle", "--minify", "--sourcemap",
             "--target=es2020", f"--outdir={scratch}/dist", "--log-level=warning"],
            cwd=ROOT, env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")}, check=True,
        )
        script = (Path(scratch) / "dist" / "build-page.js").read_bytes()
    routes = {SCRIPT_URL: (script, "application/javascript")}
    stylesheet = subprocess.run(["git", "show", f"{OLD_COMMIT}:{STYLESHEET}"], cwd=ROOT,
                                capture_output=True, check=True).stdout
    if stylesheet != (ROOT / STYLESHEET).read_bytes():
        routes[STYLESHEET_URL] = (stylesheet, "text/css")
    return Variant("today's full-load page", routes, cap_s)


def new_variant(cap_s: float) -> Variant:
    return Variant("range-loading page", {}, cap_s)


def bounded(variant: Variant, probe):
    """Run ``probe()``; a time-out, a crash or a script error becomes Unmeasured."""
    try:
        return probe()
    except PlaywrightTimeout as error:
        raise Unmeasured(f"> {variant.cap_s:.0f} s") from error
    except PlaywrightError as error:
        if "crash" in str(error).lower():
            raise Unmeasured("crashed") from error
        raise Unmeasured(f"failed: {str(error).splitlines()[0][:80]}") from error


def open_at_end(page, url: str, last: int, variant: Variant) -> float:
    """Navigate to a finished build; ms from navigation start until its last line is shown."""
    def probe():
        page.goto(url, wait_until="commit")
        return page.wait_for_function(LINE_SHOWN, arg=[last, False], polling="raf",
                                      timeout=variant.cap_s * 1000).json_value()
    return bounded(variant, probe)


def jump(page, line: int, variant: Variant) -> float:
    """Ms from setting the hash to #L<line> until that row is selected, filled and in view."""
    ms = bounded(variant, lambda: page.evaluate(
        "([n, cap]) => benchProbes.jump(n, cap)", [line, variant.cap_s * 1000]))
    if ms is None:
        raise Unmeasured(f"> {variant.cap_s:.0f} s")
    return ms


def search_to(page, word: str, total: int, wanted: int, line: int, variant: Variant) -> float:
    """Seconds from typing ``word`` until the count reads "<total>" matches, Enter
    has been pressed up to the ``wanted``th and that match's line is shown (timed
    in the page, so no round trip to it is counted)."""
    ms = bounded(variant, lambda: page.evaluate(
        SEARCH_TO, [word, total, wanted, line, variant.cap_s * 1000]))
    if ms is None:
        raise Unmeasured(f"> {variant.cap_s:.0f} s")
    return ms / 1000


def heap_after_scrolling(page, steps: int, variant: Variant) -> tuple[float, dict]:
    """Scroll the open log top to bottom in ``steps`` steps; then MB of JS heap
    in use after a garbage collection, and what the scroll saw."""
    seen = bounded(variant, lambda: page.evaluate(
        "([steps, cap]) => benchProbes.scrollThrough(steps, cap)",
        [steps, variant.cap_s * 1000]))
    if seen["ms"] is None:
        raise Unmeasured(f"> {variant.cap_s:.0f} s (at step {seen['step']} of {steps})")
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    used = session.send("Runtime.getHeapUsage")["usedSize"]
    session.detach()
    return used / 2**20, seen


def rows_problem(rows: list) -> str | None:
    """Why the rows in view are not consecutive lines each showing its own text, or None."""
    numbers = [n for n, _text, _pending in rows]
    if not numbers:
        return "no row in view"
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return f"rows in view not consecutive: {numbers[:3]}…"
    for n, text, pending in rows:
        if pending:
            return f"line {n} not loaded in view"
        if f"[{n}/" not in text:
            return f"line {n} shows other text"
    return None


def newest_shown(page) -> int:
    rows = page.evaluate(ROWS_IN_VIEW)
    return max((n for n, text, pending in rows if not pending and f"[{n}/" in text), default=0)


def follow_check(page, seconds: float, every: float = 1.0) -> dict:
    """Watch a following page: the newest line shown must grow at every look, the
    rows stay consecutive and right, and the page count no repeat and no gap."""
    looks, problems = [newest_shown(page)], []
    for _ in range(int(seconds / every)):
        time.sleep(every)
        looks.append(newest_shown(page))
        if looks[-1] <= looks[-2]:
            problems.append(f"newest shown line stayed at {looks[-2]:,}")
        problem = rows_problem(page.evaluate(ROWS_IN_VIEW))
        if problem:
            problems.append(problem)
    flags = page.evaluate("() => [document.getElementById('build').dataset.repeats,"
                          " document.getElementById('build').dataset.gaps]")
    if flags[0]:
        problems.append(f"data-repeats={flags[0]}")
    if flags[1]:
        problems.append(f"data-gaps={flags[1]}")
    return {"looks": looks, "problems": problems}


def reload_running(page, url: str, newest, variant: Variant) -> tuple[float, int]:
    """Open a running build, reload it: ms from the reload's start until a line at
    least as new as the log's newest when the reload began is shown."""
    def probe():
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_timeout(1000)
        wanted = newest()
        page.reload(wait_until="commit")
        return page.wait_for_function(NEWEST_SHOWN, arg=wanted, polling="raf",
                                      timeout=variant.cap_s * 1000).json_value(), wanted
    return bounded(variant, probe)
