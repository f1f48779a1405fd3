// The recipe page's chart: one bar per finished build, oldest on the left,
// as tall as it took, coloured by how it ended; plain SVG made with DOM calls.
import { durationWords } from "./outcome-words.js";

const SVG = "http://www.w3.org/2000/svg";
// Room for `slots` bars (the API's last 50 builds), so a bar keeps its width
// whether the recipe has run 3 times or 50.
export const CHART = { width: 600, height: 160, gap: 2, minBar: 2, slots: 50 };

/**
 * Bars for `recent` (newest first, as the API lists them): each
 * {id, state, x, y, width, height, title}, oldest first from the left, in a
 * CHART.width × CHART.height box; the longest fills the height. A build
 * without a duration gets the least bar.
 */
export function chartBars(recent, chart = CHART) {
  const builds = recent.slice().reverse();
  const longest = Math.max(1, ...builds.map((build) => build.duration_ms || 0));
  const slot = chart.width / Math.max(builds.length, chart.slots);
  const width = Math.max(1, slot - chart.gap);
  return builds.map(function (build, index) {
    const ms = build.duration_ms;
    const height = Math.max(chart.minBar, ((ms || 0) / longest) * chart.height);
    const took = durationWords(ms);
    return {
      id: build.id, state: build.state, x: index * slot, y: chart.height - height, width, height,
      title: "#" + build.id + " " + build.state + (took === null ? "" : " " + took),
    };
  });
}

/** Draw the bars into `container` (replacing what was there); each links to its build. */
export function drawChart(document, container, recent, recipe) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + CHART.width + " " + CHART.height);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Durations of the last " + recent.length + " finished builds of " + recipe +
    ", oldest on the left, coloured by state");
  for (const bar of chartBars(recent)) {
    const link = document.createElementNS(SVG, "a");
    link.setAttribute("href", "/builds/" + bar.id);
    const rect = document.createElementNS(SVG, "rect");
    for (const key of ["x", "y", "width", "height"]) rect.setAttribute(key, String(bar[key]));
    rect.setAttribute("class", "bar bar-" + bar.state);
    rect.dataset.build = bar.id;
    const title = document.createElementNS(SVG, "title");
    title.textContent = bar.title;
    rect.append(title);
    link.append(rect);
    svg.append(link);
  }
  container.replaceChildren(svg);
}
