// The recipe page: its figures, its last builds and their durations' chart from
// GET /api/recipes/<name>, and the badge snippet with a Copy button.
import { durationWords } from "./outcome-words.js";
import { drawChart } from "./recipe-chart.js";

const SHOWN_BUILDS = 20;

function buildLink(id) {
  const link = document.createElement("a");
  link.href = "/builds/" + id;
  link.textContent = "#" + id;
  return link;
}

function showStats(stats) {
  const rate = stats.success_rate;
  document.getElementById("stat-builds").textContent = String(stats.builds);
  document.getElementById("stat-success").textContent = rate === null || rate === undefined ? "–" : Math.round(rate * 100) + "%";
  document.getElementById("stat-median").textContent = durationWords(stats.median_duration_ms) || "–";
  const last = document.getElementById("stat-last-success");
  if (stats.last_success === null || stats.last_success === undefined) last.textContent = "none yet";
  else last.replaceChildren(buildLink(stats.last_success));
}

function showRecent(recent) {
  const list = document.getElementById("recent-builds");
  document.getElementById("recent-empty").hidden = recent.length > 0;
  list.replaceChildren(...recent.slice(0, SHOWN_BUILDS).map(function (build) {
    const li = document.createElement("li");
    const state = document.createElement("span");
    state.className = "badge state-" + build.state;
    state.textContent = build.state;
    const took = document.createElement("span");
    took.className = "took";
    took.textContent = durationWords(build.duration_ms) || "";
    li.append(buildLink(build.id), " ", state, " ", took);
    return li;
  }));
}

function show(root, recipe) {
  showStats(recipe.stats);
  const recent = recipe.recent || [];
  showRecent(recent);
  document.getElementById("chart-empty").hidden = recent.length > 0;
  drawChart(document, document.getElementById("chart"), recent, recipe.name);
  const longest = Math.max(0, ...recent.map((build) => build.duration_ms || 0));
  document.getElementById("chart-scale").textContent = recent.length
    ? "Oldest on the left; the tallest bar is " + durationWords(longest) + ". Hover a bar for its build."
    : "";
  root.dataset.loaded = "true";
}

function wireCopy() {
  const button = document.getElementById("copy-badge");
  const done = document.getElementById("copy-done");
  const text = document.getElementById("badge-markdown").textContent;
  button.addEventListener("click", function () {
    const copied = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error("no clipboard"));
    copied.then(() => { done.textContent = "Copied"; }, () => {
      // Without clipboard access, select the text so a keystroke copies it.
      const range = document.createRange();
      range.selectNodeContents(document.getElementById("badge-markdown"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      done.textContent = "Selected: press Ctrl+C to copy";
    });
  });
}

function start() {
  const root = document.getElementById("recipe");
  wireCopy();
  fetch("/api/recipes/" + encodeURIComponent(root.dataset.recipe))
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status))))
    .then((recipe) => show(root, recipe))
    .catch(function (error) {
      console.warn("recipe figures unavailable:", error);
      root.dataset.loaded = "failed";
    });
}

start();
