// The home page: the start form checks each parameter against its recipe's
// pattern before sending (the server checks again), and the list of builds
// stays live through `follow_builds`, with older builds loaded on demand.
import { io } from "socket.io-client";

const PAGE_SIZE = 20;

function startForm() {
  const form = document.getElementById("start-form");
  const select = document.getElementById("recipe");
  const fieldsets = form.querySelectorAll(".recipe-params");

  function showRecipe() {
    for (const fieldset of fieldsets) {
      const chosen = fieldset.dataset.recipe === select.value;
      fieldset.disabled = !chosen; // disabled fields are not submitted
      fieldset.hidden = !chosen;
    }
  }

  function problem(input) {
    if (input.validity.valueMissing) return "A value is required.";
    if (input.validity.patternMismatch) return "Must match " + input.getAttribute("pattern");
    return "";
  }

  function check(input) {
    const message = problem(input);
    const error = document.getElementById(input.id + "-error");
    error.textContent = message;
    error.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return !message;
  }

  select.addEventListener("change", showRecipe);
  form.addEventListener("input", function (event) {
    if (event.target.matches("fieldset input")) check(event.target);
  });
  form.addEventListener("submit", function (event) {
    const inputs = form.querySelectorAll("fieldset:not([disabled]) input");
    const invalid = Array.from(inputs).filter(function (input) { return !check(input); });
    if (invalid.length) {
      event.preventDefault();
      invalid[0].focus();
    }
  });
  showRecipe();
}

function cell(content) {
  const td = document.createElement("td");
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content;
  return td;
}

function buildRow(build) {
  const tr = document.createElement("tr");
  tr.dataset.buildId = build.id;
  const link = document.createElement("a");
  link.href = "/builds/" + build.id;
  link.textContent = "#" + build.id;
  const badge = document.createElement("span");
  badge.className = "badge state-" + build.state;
  badge.textContent = build.state;
  const params = cell(Object.entries(build.params).map(function (pair) { return pair[0] + "=" + pair[1]; }).join(" "));
  params.className = "params";
  const created = document.createElement("time");
  created.dateTime = build.created_at;
  created.textContent = build.created_at;
  tr.append(cell(link), cell(build.recipe), params, cell(badge), cell(created));
  return tr;
}

function buildList() {
  const table = document.querySelector("#builds tbody");
  const empty = document.getElementById("no-builds");
  const more = document.getElementById("more-builds");

  function shownIds() {
    return Array.from(table.rows, function (row) { return Number(row.dataset.buildId); });
  }

  // A new build goes on top; a known one is updated in place; an older one
  // that is not on the page stays off it.
  function upsert(build) {
    const existing = table.querySelector('tr[data-build-id="' + build.id + '"]');
    if (existing) {
      existing.replaceWith(buildRow(build));
      return;
    }
    const ids = shownIds();
    if (ids.length && build.id < ids[0]) return;
    table.prepend(buildRow(build));
    empty.hidden = true;
  }

  more.addEventListener("click", function () {
    const ids = shownIds();
    const before = ids.length ? "&before=" + ids[ids.length - 1] : "";
    more.disabled = true;
    fetch("/api/builds?limit=" + PAGE_SIZE + before)
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        const builds = answer.builds || [];
        for (const build of builds) {
          if (!table.querySelector('tr[data-build-id="' + build.id + '"]')) table.append(buildRow(build));
        }
        more.hidden = builds.length < PAGE_SIZE;
      })
      .finally(function () { more.disabled = false; });
  });

  const socket = io("/builds");
  socket.on("connect", function () { socket.emit("follow_builds", {}); });
  socket.on("build", upsert);
}

startForm();
buildList();
