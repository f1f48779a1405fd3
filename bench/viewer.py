"""The build page in Chromium: how fast a huge finished log opens, how smooth a fast build is."""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import datetime

from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
OPEN_LINES = 200_000
OPEN_RUNS = 3
STREAM_RATE = 5_000
STREAM_SECONDS = 12

# Runs in the page: frame intervals and long tasks while a build streams.
RECORD_FRAMES = """() => {
  window.benchFrames = [];
  window.benchLongTasks = [];
  let last = performance.now();
  const step = (now) => { window.benchFrames.push(now - last); last = now;
    if (!window.benchStop) requestAnimationFrame(step); };
  requestAnimationFrame(step);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration);
  }).observe({ type: "longtask" });
}"""

COMPLETE_MARK = """() => {
  const mark = performance.getEntriesByName("log-complete")[0];
  return mark ? [mark.startTime, performance.timeOrigin + mark.startTime] : null;
}"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def page_open(stack) -> list[tuple[str, str, str]]:
    """Open a finished 200,000-line build: time until every line is in the page."""
    build = stack.start_build("burst", LINES=str(OPEN_LINES))
    stack.wait_finished(build)
    opened, searched, rows, heap = [], [], 0, 0.0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(OPEN_RUNS):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{stack.url}/builds/{build}")
            page.wait_for_function(COMPLETE_MARK, timeout=120_000, polling=20)
            opened.append(page.evaluate(COMPLETE_MARK)[0])
            rows = page.eval_on_selector_all("#log .line", "rows => rows.length")
            heap = page.evaluate("() => performance.memory.usedJSHeapSize") / 2**20
            started = time.perf_counter()
            page.fill("#search", f"line {OPEN_LINES // 2 + 1}")
            page.press("#search", "Enter")
            page.wait_for_function(
                "() => document.getElementById('search-count').textContent.endsWith('of 1')"
            )
            searched.append((time.perf_counter() - started) * 1000)
            context.close()
        browser.close()
    return [
        ("open 200,000 lines: navigation → every line in the page, median",
         f"{statistics.median(opened):.0f} ms", "< 2000 ms"),
        ("open 200,000 lines: slowest of 3", f"{max(opened):.0f} ms", "< 2000 ms"),
        ("search the whole 200,000-line log and jump to the match",
         f"{statistics.median(searched):.0f} ms", "—"),
        ("rows in the DOM", str(rows), "bounded"),
        ("page JavaScript heap holding the 200,000 lines", f"{heap:.0f} MB", "—"),
    ]


def page_stream(stack) -> list[tuple[str, str, str]]:
    """Watch a build printing 5,000 lines a second: frame times and how far the page lags."""
    total = STREAM_RATE * STREAM_SECONDS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        build = stack.start_build("paced", LINES=str(total), RATE=str(STREAM_RATE))
        page.goto(f"{stack.url}/builds/{build}")
        page.evaluate(RECORD_FRAMES)
        finished = stack.wait_finished(build)
        page.wait_for_function(COMPLETE_MARK, timeout=120_000, polling=20)
        page.evaluate("() => { window.benchStop = true; }")
        frames = page.evaluate("() => window.benchFrames")
        long_tasks = page.evaluate("() => window.benchLongTasks")
        complete_at = page.evaluate(COMPLETE_MARK)[1]
        lines = int(page.get_attribute("#build", "data-lines"))
        browser.close()
    finished_ms = datetime.fromisoformat(finished["finished_at"]).timestamp() * 1000
    frame_times = " / ".join(
        f"{value:.0f}" for value in (percentile(frames, 0.5), percentile(frames, 0.99), max(frames))
    )
    return [
        (f"stream {STREAM_RATE:,} lines/s for {STREAM_SECONDS} s: lines shown",
         f"{lines:,} of {total:,}", "all"),
        ("frame interval p50 / p99 / max", frame_times + " ms", "p99 < 50 ms"),
        ("long tasks (> 50 ms) / their total",
         f"{len(long_tasks)} / {sum(long_tasks):.0f} ms", "few"),
        ("page complete after the build finished",
         f"{complete_at - finished_ms:.0f} ms", "< 500 ms"),
    ]


SCENARIOS = {"page-open": page_open, "page-stream": page_stream}
