// The list of builds on the home page: the first page comes with the page as
// JSON, later news through `follow_builds`, older pages on demand.
import { io } from "socket.io-client";

import { buildRow, placement } from "./build-row.js";

const PAGE_SIZE = 20;

export function buildList(document) {
  const table = document.querySelector("#builds tbody");
  const empty = document.getElementById("no-builds");
  const more = document.getElementById("more-builds");

  function shownIds() {
    return Array.from(table.rows, (row) => Number(row.dataset.buildId));
  }

  function upsert(build) {
    const where = placement(shownIds(), build.id);
    if (where === "replace") table.querySelector('tr[data-build-id="' + build.id + '"]').replaceWith(buildRow(document, build));
    if (where === "prepend") table.prepend(buildRow(document, build));
    empty.hidden = table.rows.length > 0;
  }

  function append(builds) {
    const shown = new Set(shownIds());
    for (const build of builds) if (!shown.has(build.id)) table.append(buildRow(document, build));
    empty.hidden = table.rows.length > 0;
  }

  more.addEventListener("click", () => {
    const ids = shownIds();
    const before = ids.length ? "&before=" + ids[ids.length - 1] : "";
    more.disabled = true;
    fetch("/api/builds?limit=" + PAGE_SIZE + before)
      .then((response) => response.json())
      .then((answer) => {
        append(answer.builds || []);
        more.hidden = (answer.builds || []).length < PAGE_SIZE;
      })
      .finally(() => { more.disabled = false; });
  });

  append(JSON.parse(document.getElementById("first-builds").textContent));
  const socket = io("/builds");
  socket.on("connect", () => socket.emit("follow_builds", {}));
  socket.on("build", upsert);
}
