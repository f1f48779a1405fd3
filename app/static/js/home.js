// The home page: show the chosen recipe's parameters, and keep the build list live.
(function () {
  "use strict";

  const select = document.getElementById("recipe");
  const fieldsets = document.querySelectorAll(".recipe-params");

  function showRecipe() {
    for (const fieldset of fieldsets) {
      const chosen = fieldset.dataset.recipe === select.value;
      fieldset.disabled = !chosen; // disabled fields are not submitted
      fieldset.hidden = !chosen;
    }
  }
  select.addEventListener("change", showRecipe);
  showRecipe();

  const table = document.querySelector("#builds tbody");

  function cell(content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content;
    return td;
  }

  function row(build) {
    const tr = document.createElement("tr");
    tr.dataset.buildId = build.id;
    const link = document.createElement("a");
    link.href = "/builds/" + build.id;
    link.textContent = "#" + build.id;
    const badge = document.createElement("span");
    badge.className = "badge state-" + build.state;
    badge.textContent = build.state;
    const params = Object.entries(build.params).map(function (p) { return p[0] + "=" + p[1]; });
    const params_cell = cell(params.join(" "));
    params_cell.className = "params";
    tr.append(cell(link), cell(build.recipe), params_cell, cell(badge), cell(build.created_at));
    return tr;
  }

  function upsert(build) {
    const fresh = row(build);
    const existing = table.querySelector('tr[data-build-id="' + build.id + '"]');
    if (existing) {
      existing.replaceWith(fresh);
      return;
    }
    const empty = document.getElementById("no-builds");
    if (empty) empty.remove();
    table.prepend(fresh);
  }

  const socket = io("/builds");
  socket.on("connect", function () { socket.emit("follow_builds", {}); });
  socket.on("build", upsert);
})();
