// The live log page: open the log at its tail (or a line link), load other
// ranges as the reader scrolls or jumps, and subscribe for what comes after the
// newest line held; show it through a windowed LogView, and wire up line links,
// folds, whole-log search, timestamps, wrapping, the Problems panel and the
// step list, the connection indicator and the check that a finished log is
// whole. A failed build opens at its first error.
import { io } from "socket.io-client";

import { BuildHeader } from "./build-header.js";
import { BuildStream } from "./build-stream.js";
import { ConnectionStatus } from "./connection-status.js";
import { AUTO_VERIFY_LINES, catchUp, integrityText, LogChecksum, readThrough, verdictOf } from "./log-integrity.js";
import { LogModel } from "./log-model.js";
import { LogSearch } from "./log-search.js";
import { LogView } from "./log-view.js";
import { NotifyButton } from "./notify-button.js";
import { outcomeWords } from "./outcome-words.js";
import { PageMarks } from "./page-marks.js";
import { formatLineLink, parseLineLink } from "./permalink.js";
import { readPreference, writePreference } from "./preferences.js";
import { RangeLoader } from "./range-loader.js";
import { wireSearch } from "./search-box.js";
import { styleAfter } from "./sgr-state.js";
import { StatusLine } from "./status-line.js";

const TIMESTAMP_MODES = ["off", "elapsed", "clock"];

function wireTimestamps(view, header, model) {
  const choice = document.getElementById("timestamps");
  function apply() {
    const mode = TIMESTAMP_MODES.includes(choice.value) ? choice.value : "off";
    writePreference(localStorage, "timestamps", mode);
    view.setTimestamps(mode, header.startedAt || model.time(1) || null);
  }
  choice.value = readPreference(localStorage, "timestamps", TIMESTAMP_MODES, "off");
  choice.addEventListener("change", apply);
  return { apply, get shown() { return choice.value !== "off"; } };
}

function wireWrap(view) {
  const toggle = document.getElementById("wrap");
  function apply(on) {
    toggle.setAttribute("aria-pressed", String(on));
    view.setWrap(on);
  }
  toggle.addEventListener("click", function () {
    const on = toggle.getAttribute("aria-pressed") !== "true";
    writePreference(localStorage, "wrap", on ? "on" : "off");
    apply(on);
  });
  apply(readPreference(localStorage, "wrap", ["on", "off"], "off") === "on");
}

function wireCancel(root, buildId) {
  const cancelButton = document.getElementById("cancel");
  cancelButton.addEventListener("click", function () {
    cancelButton.disabled = true;
    fetch("/api/builds/" + buildId + "/cancel", { method: "POST", headers: { "X-CSRFToken": root.dataset.csrf } })
      .then(function (response) { if (!response.ok) cancelButton.disabled = false; })
      .catch(function () { cancelButton.disabled = false; });
  });
}

// Line links (#L42, #L40-L50) and jumps (problems, steps, errors): highlight the
// line, open the folds that hide it, scroll there once the line is here.
function wireLineLinks(view, model) {
  let target = null; // a line waiting to arrive

  function reachTarget() {
    if (target !== null && model.count >= target) {
      view.scrollToLine(target);
      target = null;
    }
  }

  function show(range) {
    view.setHighlight(range);
    model.reveal(range[0]);
    target = range[0];
    view.setFollowing(false);
    reachTarget();
  }

  function goToLineLink() {
    const range = parseLineLink(location.hash);
    if (range) show(range);
  }

  /** Take the reader to line `number`; `link`: make it the page's line link too. */
  function goTo(number, link) {
    if (link) history.replaceState(null, "", formatLineLink(number, number));
    show([number, number]);
  }

  function clickLine(number, event) {
    event.preventDefault();
    const current = parseLineLink(location.hash);
    const range = event.shiftKey && current ? [Math.min(current[0], number), Math.max(current[1], number)] : [number, number];
    history.replaceState(null, "", formatLineLink(range[0], range[1]));
    view.setHighlight(range);
  }

  window.addEventListener("hashchange", goToLineLink);
  return { goToLineLink, goTo, reachTarget, clickLine };
}

function fetchJson(url) {
  return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  });
}

// hooks: marksOn(number, shift), annotationsOn(number), onShown(numbers), now().
function createView(root, model, header, hooks) {
  const followButton = document.getElementById("follow");
  const newLines = document.getElementById("new-lines");
  const scroller = document.getElementById("log");
  let links = null;

  function showFollow() {
    followButton.hidden = view.following || (view.below === 0 && header.finished);
    newLines.textContent = view.below ? "· " + view.below.toLocaleString() + " lines below" : "";
  }

  const view = new LogView(scroller, model, {
    ...hooks,
    onFollowChange: showFollow,
    onRendered() {
      root.dataset.lines = model.count;
      root.dataset.loadedBlocks = model.blocks.size;
      showFollow();
    },
    onToggleStep(step) {
      model.setOpen(step, !step.open);
      view.refresh(true);
    },
    onLineClick: (number, event) => links.clickLine(number, event),
  });
  links = wireLineLinks(view, model);

  followButton.addEventListener("click", function () {
    view.setFollowing(true);
    scroller.focus();
  });
  return { view, links };
}

function start() {
  const root = document.getElementById("build");
  const buildId = Number(root.dataset.buildId);
  const socket = io("/builds"); // connects while the log's tail loads
  const header = new BuildHeader(document);
  const model = new LogModel(styleAfter);
  const checksum = new LogChecksum();
  let matchesChanged = null;
  const search = new LogSearch(buildId, model, (jump, lines) => matchesChanged(jump, lines));
  let marks = null;
  let loader = null;
  const now = () => (header.build && header.build.finished_at ? Date.parse(header.build.finished_at) : Date.now());
  const { view, links } = createView(root, model, header, {
    marksOn: (number, shift) => search.marksOn(number, shift),
    annotationsOn: (number) => marks.annotations.on(number),
    now,
    onShown(numbers) {
      loader.want(numbers);
      if (numbers.length) model.evict(numbers[numbers.length >> 1]);
    },
  });
  loader = new RangeLoader(buildId, model, {
    fetchJson,
    onLoaded() {
      catchUp(checksum, model);
      view.refresh(true);
    },
  });
  marks = new PageMarks(buildId, { root, model, view, now, jumpTo: (line) => links.goTo(line, true) });
  const notify = new NotifyButton(document, window.Notification, ["succeeded", "failed", "cancelled"].includes(root.dataset.state));
  matchesChanged = wireSearch(root, search, view);
  const timestamps = wireTimestamps(view, header, model);
  wireWrap(view);
  wireCancel(root, buildId);
  const page = { socket, header, model, checksum, view, links, marks, search, loader, timestamps, notify };
  const link = parseLineLink(location.hash);
  loader
    .open(link ? link[0] : null)
    .then(() => catchUp(checksum, model))
    .catch((error) => console.warn("the log's tail could not be loaded; reading it from its first line:", error))
    .then(function () {
      view.linesAdded();
      followStream(root, buildId, page);
      links.goToLineLink();
    });
}

// A failed build opened without a line link shows its first error (once the
// page holds every annotation known when it opened), else its last lines.
function openAtFirstError(root, page, synced) {
  const { marks, links } = page;
  (synced || marks.sync.sync()).then(function () {
    const line = marks.annotations.firstError();
    if (line !== null && !parseLineLink(location.hash)) {
      links.goTo(line, false);
      root.dataset.opened = "first-error";
    } else {
      root.dataset.opened = "end";
    }
  });
}

// Each step's time in the recipe's last green build, fetched once the build has begun.
function fetchLastGreen(root, build, stepList) {
  fetch("/api/recipes/" + encodeURIComponent(build.recipe), { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status))))
    .then(function (recipe) {
      stepList.setLastGreen(recipe.step_durations_ms);
      root.dataset.lastGreen = "loaded";
    })
    .catch((error) => console.warn("last green step durations unavailable:", error));
}

// What a status means beyond the header: the notification once it is over, and
// each step's last green time once it has begun.
function watchFromAfar(root, page) {
  let askedLastGreen = false;
  return function (build, finished) {
    page.notify.update(build, finished);
    if (!askedLastGreen && build.state !== "queued") {
      askedLastGreen = true;
      fetchLastGreen(root, build, page.marks.stepList);
    }
  };
}


// Once the rows in view are painted and the page is idle: what can wait must not
// hold up the first look at the log.
function afterPaint(callback) {
  requestAnimationFrame(function () {
    if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 1000 });
    else setTimeout(callback, 50);
  });
}

// Once the build is over: whether the page's copy is the stored log. A log the
// page has not read all of is read through first, in order, when short enough;
// a longer one when the reader asks.
function checkWhole(root, buildId, page, build, statusLine) {
  const { checksum, model } = page;
  const verifyButton = document.getElementById("verify");
  function verdict() {
    const found = verdictOf(build, checksum);
    statusLine.showIntegrity(found, integrityText(found, build, checksum));
    verifyButton.hidden = true;
  }
  function read() {
    verifyButton.disabled = true;
    readThrough(checksum, model, build.lines, fetchJson, "/api/builds/" + buildId + "/log", function (lines) {
      statusLine.showIntegrity("reading", "checking · " + Math.floor((100 * lines) / build.lines) + "% read");
    })
      .then(verdict)
      .catch(function (error) {
        console.warn("the log could not be read through:", error);
        verifyButton.disabled = false;
        verifyButton.hidden = false;
      });
  }
  catchUp(checksum, model);
  if (checksum.lines >= build.lines || typeof build.log_crc32 !== "number") verdict();
  else if (build.lines <= AUTO_VERIFY_LINES) afterPaint(read);
  else {
    statusLine.showIntegrity("unread", "complete · " + build.lines.toLocaleString("en") + " lines");
    verifyButton.hidden = false;
    verifyButton.onclick = read;
  }
}

// The stream -------------------------------------------------------------------
function followStream(root, buildId, page) {
  const { socket, header, model, checksum, view, links, marks, search, timestamps } = page;
  const besides = watchFromAfar(root, page);
  const status = new ConnectionStatus();
  const statusLine = new StatusLine(document, root);
  let repeats = 0; // lines the server sent twice: always 0 when it keeps its promise

  function showStatus() {
    const shown = status.view(performance.now());
    statusLine.showConnection(shown);
    header.setStalled(shown.stalled);
  }
  const ticker = setInterval(function () {
    showStatus();
    view.refresh(false); // open steps' headers count up
  }, 1000);
  const event = (handler) => (message) => {
    handler(message, performance.now());
    showStatus();
  };

  const stream = new BuildStream(socket, buildId, {
    held: () => model.count,
    onConnect: event((_, now) => status.connected(now)),
    onDisconnect: event(() => status.disconnected()),
    onAck: event(function (ack, now) {
      status.acknowledged(ack, now);
      if (ack && ack.ok) marks.sync.sync();
    }),
    onHealth: event((message, now) => status.health(message, now)),
    onLines(message) {
      status.heard(performance.now());
      let added;
      try {
        added = model.append(message.first, message.lines, message.times);
      } catch (error) {
        // Never expected: the server sends every line once, in order. Ask again.
        console.error(error);
        root.dataset.gaps = Number(root.dataset.gaps || 0) + 1;
        stream.resubscribe();
        return;
      }
      marks.fromLines(message);
      if (added < message.lines.length) {
        repeats += message.lines.length - added;
        root.dataset.repeats = repeats;
      }
      if (!added) return;
      catchUp(checksum, model);
      search.addLive(message.first, message.lines);
      view.linesAdded();
      links.reachTarget();
    },
    onPartial(message) {
      if (Number.isInteger(message.line) && typeof message.text === "string") view.setPartial(message.line, message.text);
    },
    onStatus: event(function (build, now) {
      const first = header.build === null;
      header.update(build);
      status.heard(now);
      status.status(build);
      root.dataset.state = build.state;
      if (first || timestamps.shown) timestamps.apply();
      const synced = marks.fromStatus(build, header.finished);
      besides(build, header.finished);
      if (first && build.state === "failed" && !parseLineLink(location.hash)) openAtFirstError(root, page, synced);
      if (header.finished) {
        // The final status comes after the last line: nothing more will arrive.
        view.setStatus(outcomeWords(build), build.state);
        checkWhole(root, buildId, page, build, statusLine);
        performance.mark("log-complete", { detail: { lines: model.count } });
        clearInterval(ticker);
        stream.close();
      }
    }),
  });
}

start();
