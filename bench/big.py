"""Big logs on the build page: today's full-load page (as of big_page.OLD_COMMIT)
beside the checkout's range-loading page, on the same builds in one run.

Each row is measured in Chromium for both pages: opening a finished 5,000,000-line
build (and a 50,000-line one) until its last line is shown, reloading a running
5,000,000-line build until its newest line is shown and then following it,
jumping to #L2500000, searching the whole log for a word on 12 lines and going to
the 7th match, the JavaScript heap after scrolling through 1,000,000 lines, and
live viewers' latency while three pages search big logs. A probe of today's page
stops at CAP_S; when it cannot open the 5,000,000-line log, its jump and search
are measured on a 500,000-line log instead and the row says so.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.util
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from app import store
from bench import big_page
from bench.big_page import Unmeasured
from bench.pipeline import load
from bench.viewer import CHROMIUM, FLAGS

HERE = Path(__file__).resolve().parent
BIG, MIDDLE, SCROLLED, SMALL = 5_000_000, 500_000, 1_000_000, 50_000
LIVE_RATE, LIVE_SECONDS = 5_000, 900  # the live build is cancelled once measured
CAP_S = 120
SCROLL_STEPS = 250
FOLLOW_SECONDS = 10
VIEWERS, PACED_LINES, PACED_RATE = 100, 30_000, 2_000
SEARCHING_PAGES = 3


def big_text():
    """bench/scripts/big_text.py, which writes the logs: where its rare word is."""
    spec = importlib.util.spec_from_file_location("big_text", HERE / "scripts" / "big_text.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wait_archived(stack, build: int, timeout: float = 300) -> None:
    """A finished build's archive is written in the background: wait for it, so
    that its compression does not share the cores with what is measured."""
    pattern = f"{stack.env['ARCHIVE_DIR']}/**/{build}*.index.json"
    deadline = time.monotonic() + timeout
    while not glob.glob(pattern, recursive=True):
        if time.monotonic() > deadline:
            raise TimeoutError(f"build {build} was not archived")
        time.sleep(0.2)


def fill(stack) -> tuple[dict[int, int], float]:
    """Finished big-burst builds of each size; the seconds the 5,000,000 lines took
    from the API's start to the build's end (through the real worker)."""
    builds, seconds = {}, 0.0
    for lines in (BIG, MIDDLE, SCROLLED, SMALL):
        started = time.perf_counter()
        builds[lines] = stack.start_build("big-burst", LINES=str(lines))
        finished = stack.wait_finished(builds[lines])
        if lines == BIG:
            seconds = time.perf_counter() - started
        if finished["state"] != "succeeded" or finished["lines"] != lines:
            raise RuntimeError(f"big-burst {lines}: {finished['state']}, {finished['lines']} lines")
        wait_archived(stack, builds[lines])
    return builds, seconds


def attempt(probe, render) -> str:
    """``render(probe())``, or what stopped the probe."""
    try:
        return render(probe())
    except Unmeasured as why:
        return str(why)


def ms(value: float) -> str:
    return f"{value:,.0f} ms"


def jump_and_search(page, variant, lines: int) -> dict[str, str]:
    """On a page showing a finished log of ``lines`` lines: jump to its middle line,
    then search for the rare word and go to its 7th match."""
    text = big_text()
    seventh = text.rare_lines(lines)[6]
    page.wait_for_timeout(1000)
    figures = {"jump": attempt(lambda: big_page.jump(page, lines // 2, variant), ms)}
    page.wait_for_timeout(500)
    figures["search"] = attempt(
        lambda: big_page.search_to(page, text.RARE_WORD, text.RARE_COUNT, 7, seventh, variant),
        lambda seconds: f"{seconds:.2f} s")
    return figures


def finished_probes(stack, browser, variant, builds: dict[int, int]) -> dict[str, str]:
    """Open, jump and search on the finished builds, then the heap after a scroll."""
    url = f"{stack.url}/builds/%d"
    figures = {}
    # The browser's first page pays for starting a renderer and compiling the
    # page's script: an opening nobody counts, so that both sizes open warm.
    page = variant.page(browser)
    attempt(lambda: big_page.open_at_end(page, url % builds[SMALL], SMALL, variant), ms)
    page.context.close()
    page = variant.page(browser)
    figures["open small"] = attempt(
        lambda: big_page.open_at_end(page, url % builds[SMALL], SMALL, variant), ms)
    page.context.close()
    page = variant.page(browser)
    try:
        figures["open big"] = ms(big_page.open_at_end(page, url % builds[BIG], BIG, variant))
        figures.update(jump_and_search(page, variant, BIG))
    except Unmeasured as why:
        figures["open big"] = str(why)
        page.context.close()
        page = variant.page(browser)
        figures["open middle"] = attempt(
            lambda: big_page.open_at_end(page, url % builds[MIDDLE], MIDDLE, variant), ms)
        figures.update({key: f"{value} (at {MIDDLE:,} lines)" for key, value
                        in jump_and_search(page, variant, MIDDLE).items()})
    figures["errors"] = list(page.errors)
    page.context.close()
    page = variant.page(browser)
    figures["heap"] = attempt(lambda: scrolled_heap(page, url % builds[SCROLLED], variant),
                              lambda found: found)
    figures["errors"] += page.errors
    page.context.close()
    return figures


def scrolled_heap(page, url: str, variant) -> str:
    big_page.open_at_end(page, url, SCROLLED, variant)
    heap, seen = big_page.heap_after_scrolling(page, SCROLL_STEPS, variant)
    return (f"{heap:.0f} MB (scrolled {seen['lowest']:,}…{seen['highest']:,} in "
            f"{SCROLL_STEPS} steps, {seen['ms'] / 1000:.1f} s)")


def following_words(follow: dict) -> str:
    looks = follow["looks"]
    verdict = ("; ".join(follow["problems"])
               or "no gap, no duplicate, the newest line shown grew at every look")
    return f"then +{looks[-1] - looks[0]:,} lines in {FOLLOW_SECONDS} s: {verdict}"


def reload_and_follow(page, url: str, newest, variant) -> str:
    shown, wanted = big_page.reload_running(page, url, newest, variant)
    follow = big_page.bounded(variant, lambda: big_page.follow_check(page, FOLLOW_SECONDS))
    return f"{shown:,.0f} ms to line {wanted:,}; " + following_words(follow)


def running_probes(stack, browser, variants) -> dict[str, str]:
    """Reload a running build that has written BIG lines and writes LIVE_RATE a second."""
    build = stack.start_build("big-live", LINES=str(BIG), RATE=str(LIVE_RATE),
                              SECONDS=str(LIVE_SECONDS))

    def newest() -> int:
        return stack.redis.llen(store.lines_key(build))

    deadline = time.monotonic() + 600
    while newest() < BIG:
        if time.monotonic() > deadline:
            raise TimeoutError("the live build never wrote its first lines")
        time.sleep(0.5)
    figures = {}
    for variant in variants:
        page = variant.page(browser)
        figures[variant.name] = attempt(
            functools.partial(reload_and_follow, page, f"{stack.url}/builds/{build}", newest,
                              variant), str)
        page.context.close()
    stack.api("POST", f"/api/builds/{build}/cancel")
    stack.wait_finished(build)
    return figures


START_SEARCHING = "([turns, capMs]) => { benchProbes.searchAgainAndAgain(turns, capMs); }"
STOP_SEARCHING = "() => { benchProbes.searching.stopped = true; return benchProbes.searching; }"


class SearchingPages:
    """SEARCHING_PAGES pages of one finished big build, in a thread of their own:
    once each has opened (or CAP_S passed), each searches the whole log again and
    again, for the rare word and for one line's own number in turn, until stopped.
    The pages search by themselves (big-probes.js): nothing outside asks them
    anything meanwhile, so what is measured is the pages and the server."""

    def __init__(self, url: str, variant) -> None:
        text = big_text()
        self.url, self.variant = url, variant
        self.queries = [(text.RARE_WORD, f"of {text.RARE_COUNT}")]
        self.queries += [(f"[{n}/", "1 of 1") for n in range(123_457, BIG, 987_653)]
        self.searches = {"started": 0, "finished": 0, "failed": 0}
        self.opened, self.open_seconds = 0, 0.0
        self.ready, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.run)

    def __enter__(self) -> SearchingPages:
        self.thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()

    def turns(self) -> list[tuple[str, str]]:
        """The rare word on even turns, a line's number on odd ones, each number
        once before any comes again."""
        numbers = self.queries[1:]
        return [self.queries[0] if turn % 2 == 0 else numbers[turn // 2 % len(numbers)]
                for turn in range(2 * len(numbers))]

    def open_all(self, browser) -> list:
        """Open the pages one after another, each until its last line shows (at
        most CAP_S): together they would share the cores and take longer."""
        started = time.perf_counter()
        pages = []
        for _ in range(SEARCHING_PAGES):
            pages.append(self.variant.page(browser))
            try:
                big_page.open_at_end(pages[-1], self.url, BIG, self.variant)
                self.opened += 1
            except Unmeasured:
                pass
        self.open_seconds = time.perf_counter() - started
        return pages

    def run(self) -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                pages = self.open_all(browser)
                for page in pages:
                    with contextlib.suppress(big_page.PlaywrightError):  # crashed: it counts none
                        page.evaluate(START_SEARCHING, [self.turns(), CAP_S * 1000])
            finally:
                self.ready.set()
            self.stopping.wait()
            for page in pages:
                with contextlib.suppress(big_page.PlaywrightError):
                    counts = page.evaluate(STOP_SEARCHING)
                    for name in self.searches:
                        self.searches[name] += counts[name]
            browser.close()


def live_latency(stack, searching: tuple | None) -> dict:
    """VIEWERS viewers of a build printing PACED_RATE stamped lines a second; with
    ``searching`` = (url, variant), SEARCHING_PAGES pages search meanwhile."""
    pages = SearchingPages(*searching) if searching else contextlib.nullcontext()
    with pages:
        start_at = int((time.time() + 4) * 1000)
        build = stack.start_build("paced", LINES=str(PACED_LINES), RATE=str(PACED_RATE),
                                  START_AT=str(start_at))
        report = load(stack, build, VIEWERS)
    figures = {**report["latencyMs"], "complete": report["complete"] == report["viewers"]}
    if searching:
        figures.update(pages.searches, opened=pages.opened, open_seconds=pages.open_seconds)
    return figures


def latency_words(figures: dict) -> str:
    return (f"p50 {figures['p50']} / p99 {figures['p99']} / max {figures['max']} ms"
            + ("" if figures["complete"] else ", a viewer missed lines"))


def latency_rows(stack, build: int, variants) -> list[tuple[str, str, str]]:
    quiet = live_latency(stack, None)
    rows = [(f"{VIEWERS} live viewers of a build printing {PACED_RATE:,} lines/s, no page "
             "searching", latency_words(quiet), "—")]
    for variant in variants:
        busy = live_latency(stack, (f"{stack.url}/builds/{build}", variant))
        change = (busy["p99"] - quiet["p99"]) / quiet["p99"] * 100 if quiet["p99"] else 0
        rows.append((f"  the same while {SEARCHING_PAGES} pages ({variant.name}) search the "
                     f"{BIG:,}-line log again and again",
                     f"{latency_words(busy)}: p99 {change:+.0f} %; {busy['started']} searches "
                     f"started, {busy['finished']} finished; beforehand {busy['opened']} of "
                     f"{SEARCHING_PAGES} pages opened the log in {busy['open_seconds']:.0f} s, "
                     "one after another",
                     "p99 within 20 % of the run without them"))
    return rows


def ratio(new: dict) -> str:
    """The range-loading page's 50,000-line opening against its 5,000,000-line one."""
    try:
        small, big_ms = (float(new[key].split()[0].replace(",", ""))
                         for key in ("open small", "open big"))
    except ValueError:
        return ""
    return f" (range-loading: {(small - big_ms) / big_ms * 100:+.0f} % of the {BIG:,}-line figure)"


def side_by_side(old: str, new: str) -> str:
    return f"today: {old} · range-loading: {new}"


def finished_rows(old: dict, new: dict, fill_seconds: float) -> list[tuple[str, str, str]]:
    rows = [(f"filling Redis with a {BIG:,}-line build through the worker (API start → "
             "build finished)", f"{fill_seconds:.1f} s", "—"),
            (f"open a finished {BIG:,}-line build: last line shown",
             side_by_side(old["open big"], new["open big"]), "< 1 s"),
            (f"open a finished {SMALL:,}-line build: last line shown",
             side_by_side(old["open small"], new["open small"]) + ratio(new),
             f"the {BIG:,}-line figure ± 20 %")]
    if "open middle" in old:
        rows.append((f"  today's page on a {MIDDLE:,}-line build instead: last line shown",
                     old["open middle"], "—"))
    rows += [
        (f"jump to #L{BIG // 2} on the open page: highlighted line shown",
         side_by_side(old["jump"], new["jump"]), "< 300 ms"),
        (f"search the whole {BIG:,}-line log for a word on 12 lines, go to the 7th",
         side_by_side(old["search"], new["search"]), "< 2 s"),
        (f"page JavaScript heap after scrolling through {SCROLLED:,} lines top to bottom",
         side_by_side(old["heap"], new["heap"]), "< 60 MB"),
    ]
    errors = old["errors"] + new["errors"]
    if errors:
        rows.append(("script errors on the pages", "; ".join(errors[:3])[:200], "none"))
    return rows


def big(stack) -> list[tuple[str, str, str]]:
    started = time.perf_counter()
    builds, fill_seconds = fill(stack)
    old, new = big_page.old_variant(CAP_S), big_page.new_variant(CAP_S)
    with sync_playwright() as playwright:
        finished = {}
        for variant in (new, old):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            finished[variant.name] = finished_probes(stack, browser, variant, builds)
            browser.close()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        running = running_probes(stack, browser, (new, old))
        browser.close()
    rows = finished_rows(finished[old.name], finished[new.name], fill_seconds)
    rows.append((f"reload a running build that has written {BIG:,} lines (as fast as the "
                 f"worker takes them, then {LIVE_RATE:,} a second, as it goes on): its newest "
                 "line shown, then following",
                 side_by_side(running[old.name], running[new.name]),
                 "< 1 s, no gap, no duplicate"))
    rows += latency_rows(stack, builds[BIG], (new, old))
    rows.append(("the whole scenario, its stack's start not counted",
                 f"{(time.perf_counter() - started) / 60:.1f} min", "—"))
    return rows


# Logs of millions of lines need more than the default 64 MB cap on a log.
STACK_OPTIONS = {"big": {"MAX_LOG_BYTES": str(4 * 2**30)}}
SCENARIOS = {"big": big}
