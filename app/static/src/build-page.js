// The live log page: subscribe with how many lines the page already has, keep
// every line in a LogModel, show it through a windowed LogView, and wire up
// line links, folds, search, timestamps, the connection indicator and the
// check that a finished log is whole.
import { io } from "socket.io-client";

import { BuildHeader } from "./build-header.js";
import { BuildStream } from "./build-stream.js";
import { ConnectionStatus } from "./connection-status.js";
import { integrityText, LogChecksum, verdictOf } from "./log-integrity.js";
import { LogModel } from "./log-model.js";
import { LogSearch } from "./log-search.js";
import { LogView } from "./log-view.js";
import { formatLineLink, parseLineLink } from "./permalink.js";
import { StatusLine } from "./status-line.js";

const SEARCH_DELAY_MS = 120;
const TIMESTAMP_MODES = ["off", "elapsed", "clock"];

function wireSearch(search, view) {
  const searchBox = document.getElementById("search");
  const searchCount = document.getElementById("search-count");
  let searchTimer = 0;

  function showMatch(match) {
    searchCount.textContent = search.summary();
    if (match) view.scrollToLine(match.line);
    view.refresh(true);
  }

  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      search.setQuery(searchBox.value);
      showMatch(search.current);
    }, SEARCH_DELAY_MS);
  });

  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(searchTimer);
      if (search.query !== searchBox.value.toLowerCase()) {
        search.setQuery(searchBox.value);
        showMatch(search.current);
      } else {
        showMatch(search.step(event.shiftKey ? -1 : 1));
      }
    } else if (event.key === "Escape") {
      searchBox.value = "";
      search.setQuery("");
      showMatch(null);
      document.getElementById("log").focus();
    }
  });

  document.getElementById("search-previous").addEventListener("click", () => showMatch(search.step(-1)));
  document.getElementById("search-next").addEventListener("click", () => showMatch(search.step(1)));

  document.addEventListener("keydown", function (event) {
    const typing = event.target.closest("input, textarea, select");
    const findKey = (event.ctrlKey || event.metaKey) && event.key === "f";
    // A second Ctrl+F inside the box falls through to the browser's own find.
    if ((findKey && event.target !== searchBox) || (event.key === "/" && !typing)) {
      event.preventDefault();
      searchBox.focus();
      searchBox.select();
    }
  });

  /** After new lines: count their matches too. */
  return function scanNewLines() {
    if (!search.query) return;
    const known = search.matches.length;
    search.scan();
    searchCount.textContent = search.summary();
    if (search.matches.length !== known) view.refresh(true);
  };
}

function wireTimestamps(view, header, model) {
  const choice = document.getElementById("timestamps");
  function apply() {
    const mode = TIMESTAMP_MODES.includes(choice.value) ? choice.value : "off";
    localStorage.setItem("buildtail.timestamps", mode);
    view.setTimestamps(mode, header.startedAt || model.times[0] || null);
  }
  choice.value = localStorage.getItem("buildtail.timestamps") || "off";
  choice.addEventListener("change", apply);
  return { apply, get shown() { return choice.value !== "off"; } };
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

// Line links (#L42, #L40-L50): highlight, scroll there once the line is here.
function wireLineLinks(view, model) {
  let target = null; // a line link waiting for its line to arrive

  function reachTarget() {
    if (target !== null && model.count >= target) {
      view.scrollToLine(target);
      target = null;
    }
  }

  function goToLineLink() {
    const range = parseLineLink(location.hash);
    if (!range) return;
    view.setHighlight(range);
    target = range[0];
    view.setFollowing(false);
    reachTarget();
  }

  function clickLine(number, event) {
    event.preventDefault();
    const current = parseLineLink(location.hash);
    const range = event.shiftKey && current ? [Math.min(current[0], number), Math.max(current[1], number)] : [number, number];
    history.replaceState(null, "", formatLineLink(range[0], range[1]));
    view.setHighlight(range);
  }

  window.addEventListener("hashchange", goToLineLink);
  return { goToLineLink, reachTarget, clickLine };
}

function createView(root, model, search, header) {
  const followButton = document.getElementById("follow");
  const newLines = document.getElementById("new-lines");
  const scroller = document.getElementById("log");
  let links = null;

  function showFollow() {
    followButton.hidden = view.following || (view.below === 0 && header.finished);
    newLines.textContent = view.below ? "· " + view.below.toLocaleString() + " lines below" : "";
  }

  const view = new LogView(scroller, model, {
    marksOn: (number, shift) => search.marksOn(number, shift),
    onFollowChange: showFollow,
    onRendered() {
      root.dataset.lines = model.count;
      showFollow();
    },
    onToggleGroup(group) {
      model.setOpen(group, !group.open);
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
  const header = new BuildHeader(document);
  const model = new LogModel();
  const search = new LogSearch(model);
  const { view, links } = createView(root, model, search, header);
  const scanNewLines = wireSearch(search, view);
  const timestamps = wireTimestamps(view, header, model);
  wireCancel(root, buildId);
  followStream(root, buildId, { header, model, view, links, scanNewLines, timestamps });
  links.goToLineLink();
}

// The stream -------------------------------------------------------------------
function followStream(root, buildId, page) {
  const { header, model, view, links, scanNewLines, timestamps } = page;
  const checksum = new LogChecksum();
  const status = new ConnectionStatus();
  const statusLine = new StatusLine(document, root);
  let repeats = 0; // lines the server sent twice: always 0 when it keeps its promise

  function showStatus() {
    const shown = status.view(performance.now());
    statusLine.showConnection(shown);
    header.setStalled(shown.stalled);
  }
  const ticker = setInterval(showStatus, 1000);
  const event = (handler) => (message) => {
    handler(message, performance.now());
    showStatus();
  };

  const stream = new BuildStream(io("/builds"), buildId, {
    held: () => model.count,
    onConnect: event((_, now) => status.connected(now)),
    onDisconnect: event(() => status.disconnected()),
    onAck: event((ack, now) => status.acknowledged(ack, now)),
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
      if (added < message.lines.length) {
        repeats += message.lines.length - added;
        root.dataset.repeats = repeats;
      }
      if (!added) return;
      checksum.add(added === message.lines.length ? message.lines : message.lines.slice(-added));
      scanNewLines();
      view.linesAdded();
      links.reachTarget();
    },
    onStatus: event(function (build, now) {
      const first = header.build === null;
      header.update(build);
      status.heard(now);
      status.status(build);
      root.dataset.state = build.state;
      if (first || timestamps.shown) timestamps.apply();
      if (header.finished) {
        // The final status comes after the last line: nothing more will arrive.
        const verdict = verdictOf(build, checksum);
        statusLine.showIntegrity(verdict, integrityText(verdict, build, checksum));
        performance.mark("log-complete", { detail: { lines: model.count } });
        clearInterval(ticker);
        stream.close();
      }
    }),
  });
}

start();
