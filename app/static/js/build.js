// The live log page: subscribe with how many lines we already have, render in
// batches once per animation frame, follow the bottom unless the reader scrolls up.
(function () {
  "use strict";

  const root = document.getElementById("build");
  const buildId = Number(root.dataset.buildId);
  const logView = document.getElementById("log");
  const stateBadge = document.getElementById("state");
  const connection = document.getElementById("connection");
  const followButton = document.getElementById("follow");
  const newLines = document.getElementById("new-lines");
  const cancelButton = document.getElementById("cancel");
  const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
  const TITLE_MARK = { succeeded: "✓", failed: "✗", cancelled: "⊘", running: "▶", queued: "…" };

  let have = 0; // lines received, numbered from 1
  let pending = []; // lines received but not yet in the DOM
  let frame = 0;
  let following = true;
  let unseen = 0;
  let build = null;

  function setConnection(text) {
    connection.textContent = text;
    connection.dataset.state = text;
  }

  function render() {
    frame = 0;
    if (!pending.length) return;
    const fragment = document.createDocumentFragment();
    for (const [number, text] of pending) {
      const row = document.createElement("div");
      row.className = "line";
      row.id = "L" + number;
      row.dataset.n = number;
      const content = document.createElement("span");
      content.className = "text";
      content.textContent = text; // always text: HTML in a log line stays inert
      row.appendChild(content);
      fragment.appendChild(row);
    }
    if (!following) unseen += pending.length;
    pending = [];
    logView.appendChild(fragment);
    if (following) logView.scrollTop = logView.scrollHeight;
    showFollow();
  }

  function showFollow() {
    followButton.hidden = following;
    newLines.textContent = unseen ? "(" + unseen + " new)" : "";
  }

  function onLines(message) {
    if (message.build !== buildId) return;
    const skip = have + 1 - message.first;
    if (skip < 0) return; // never expected: the server sends lines in order without gaps
    for (let i = skip; i < message.lines.length; i++) {
      pending.push([message.first + i, message.lines[i]]);
    }
    have = Math.max(have, message.first + message.lines.length - 1);
    if (!frame) frame = requestAnimationFrame(render);
  }

  function onStatus(record) {
    if (record.id !== buildId) return;
    build = record;
    stateBadge.textContent = record.state;
    stateBadge.className = "badge state-" + record.state;
    document.title = (TITLE_MARK[record.state] || "") + " #" + record.id + " " + record.recipe;
    cancelButton.hidden = FINISHED.has(record.state);
    const result = document.getElementById("result");
    result.textContent = record.reason || (record.exit_code !== null ? "exit code " + record.exit_code : "–");
    const started = document.getElementById("started");
    if (record.started_at) {
      started.textContent = new Date(record.started_at).toLocaleString();
      started.dateTime = record.started_at;
    }
    if (FINISHED.has(record.state)) setConnection("finished");
    tick();
  }

  function tick() {
    if (!build || !build.started_at) return;
    const end = build.finished_at ? new Date(build.finished_at) : new Date();
    const seconds = Math.max(0, Math.round((end - new Date(build.started_at)) / 1000));
    const minutes = Math.floor(seconds / 60);
    document.getElementById("duration").textContent =
      (minutes ? minutes + "m " : "") + (seconds % 60) + "s";
  }

  logView.addEventListener("scroll", function () {
    const atBottom = logView.scrollHeight - logView.scrollTop - logView.clientHeight < 4;
    if (atBottom && !following) {
      following = true;
      unseen = 0;
    } else if (!atBottom && following) {
      following = false;
    }
    showFollow();
  });

  followButton.addEventListener("click", function () {
    following = true;
    unseen = 0;
    logView.scrollTop = logView.scrollHeight;
    showFollow();
  });

  cancelButton.addEventListener("click", function () {
    cancelButton.disabled = true;
    fetch("/api/builds/" + buildId + "/cancel", { method: "POST" })
      .then(function (response) { if (!response.ok) cancelButton.disabled = false; });
  });

  const socket = io("/builds");
  socket.on("connect", function () {
    setConnection("live");
    socket.emit("subscribe", { build: buildId, after: have }, function (ack) {
      if (!ack || !ack.ok) setConnection("error: " + (ack ? ack.error : "no answer"));
    });
  });
  socket.on("disconnect", function () {
    if (!build || !FINISHED.has(build.state)) setConnection("reconnecting");
  });
  socket.on("lines", onLines);
  socket.on("status", onStatus);
  setInterval(tick, 1000);
})();
