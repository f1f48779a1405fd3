// The live log page: subscribe with how many lines the page already has, keep
// every line in a LogModel, show it through a windowed LogView, and wire up
// line links, folds, search, timestamps and the connection indicator.
import { io } from "socket.io-client";

import { BuildHeader } from "./build-header.js";
import { LogModel } from "./log-model.js";
import { LogSearch } from "./log-search.js";
import { LogView } from "./log-view.js";
import { formatLineLink, parseLineLink } from "./permalink.js";

const SEARCH_DELAY_MS = 120;
const TIMESTAMP_MODES = ["off", "elapsed", "clock"];

function start() {
  const root = document.getElementById("build");
  const buildId = Number(root.dataset.buildId);
  const scroller = document.getElementById("log");
  const connection = document.getElementById("connection");
  const followButton = document.getElementById("follow");
  const newLines = document.getElementById("new-lines");
  const searchBox = document.getElementById("search");
  const searchCount = document.getElementById("search-count");
  const timestampsChoice = document.getElementById("timestamps");

  const header = new BuildHeader(document);
  const model = new LogModel();
  const search = new LogSearch(model);
  let target = null; // a line link waiting for its line to arrive
  let repeats = 0; // lines the server sent twice: always 0 when it keeps its promise

  const view = new LogView(scroller, model, {
    marksOn: (number, shift) => search.marksOn(number, shift),
    onFollowChange: showFollow,
    onRendered: afterRender,
    onToggleGroup(group) {
      model.setOpen(group, !group.open);
      view.refresh(true);
    },
    onLineClick(number, event) {
      event.preventDefault();
      const current = parseLineLink(location.hash);
      const range = event.shiftKey && current ? [Math.min(current[0], number), Math.max(current[1], number)] : [number, number];
      history.replaceState(null, "", formatLineLink(range[0], range[1]));
      view.setHighlight(range);
    },
  });

  function setConnection(state, detail) {
    connection.dataset.state = state;
    connection.textContent = detail ? state + ": " + detail : state;
  }

  function showFollow() {
    followButton.hidden = view.following || (view.below === 0 && header.finished);
    newLines.textContent = view.below ? "· " + view.below.toLocaleString() + " lines below" : "";
  }

  function afterRender() {
    root.dataset.lines = model.count;
    showFollow();
  }

  // Line links --------------------------------------------------------------
  function goToLineLink() {
    const range = parseLineLink(location.hash);
    if (!range) return;
    view.setHighlight(range);
    target = range[0];
    view.setFollowing(false);
    reachTarget();
  }

  function reachTarget() {
    if (target !== null && model.count >= target) {
      view.scrollToLine(target);
      target = null;
    }
  }

  window.addEventListener("hashchange", goToLineLink);

  // Search ------------------------------------------------------------------
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
      scroller.focus();
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

  // Timestamps ----------------------------------------------------------------
  function applyTimestamps() {
    const mode = TIMESTAMP_MODES.includes(timestampsChoice.value) ? timestampsChoice.value : "off";
    localStorage.setItem("buildtail.timestamps", mode);
    view.setTimestamps(mode, header.startedAt || model.times[0] || null);
  }
  timestampsChoice.value = localStorage.getItem("buildtail.timestamps") || "off";
  timestampsChoice.addEventListener("change", applyTimestamps);

  followButton.addEventListener("click", function () {
    view.setFollowing(true);
    scroller.focus();
  });

  // Actions -------------------------------------------------------------------
  const cancelButton = document.getElementById("cancel");
  cancelButton.addEventListener("click", function () {
    cancelButton.disabled = true;
    fetch("/api/builds/" + buildId + "/cancel", { method: "POST", headers: { "X-CSRFToken": root.dataset.csrf } })
      .then(function (response) { if (!response.ok) cancelButton.disabled = false; })
      .catch(function () { cancelButton.disabled = false; });
  });

  // The stream ------------------------------------------------------------------
  const socket = io("/builds");

  function subscribe() {
    socket.emit("subscribe", { build: buildId, after: model.count }, function (ack) {
      if (!ack || !ack.ok) setConnection("error", ack ? ack.error : "no answer");
    });
  }

  socket.on("connect", function () {
    if (!header.finished) setConnection("live");
    subscribe();
  });
  socket.on("disconnect", function () {
    if (!header.finished) setConnection("reconnecting");
  });
  socket.io.on("reconnect_attempt", function () {
    if (!header.finished) setConnection("reconnecting");
  });

  socket.on("lines", function (message) {
    if (message.build !== buildId) return;
    let added;
    try {
      added = model.append(message.first, message.lines, message.times);
    } catch (error) {
      // Never expected: the server sends every line once, in order. Ask again.
      console.error(error);
      root.dataset.gaps = Number(root.dataset.gaps || 0) + 1;
      socket.emit("unsubscribe", { build: buildId });
      subscribe();
      return;
    }
    if (added < message.lines.length) {
      repeats += message.lines.length - added;
      root.dataset.repeats = repeats;
    }
    if (!added) return;
    if (search.query) {
      const known = search.matches.length;
      search.scan();
      searchCount.textContent = search.summary();
      if (search.matches.length !== known) view.refresh(true);
    }
    view.linesAdded();
    reachTarget();
  });

  socket.on("status", function (build) {
    if (build.id !== buildId) return;
    const first = header.build === null;
    header.update(build);
    root.dataset.state = build.state;
    if (first || timestampsChoice.value !== "off") applyTimestamps();
    if (header.finished) {
      // The final status comes after the last line: nothing more will arrive.
      setConnection("finished");
      performance.mark("log-complete", { detail: { lines: model.count } });
      socket.disconnect();
    }
  });

  goToLineLink();
}

start();
