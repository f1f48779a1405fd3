// The start form: only the chosen recipe's fields are shown and sent, and each
// is checked against its pattern before sending (the server checks again).

function problem(input) {
  if (input.validity.valueMissing) return "A value is required.";
  if (input.validity.patternMismatch) return "Must match " + input.getAttribute("pattern");
  return "";
}

function check(document, input) {
  const message = problem(input);
  const error = document.getElementById(input.id + "-error");
  error.textContent = message;
  error.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return !message;
}

export function startForm(document) {
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

  select.addEventListener("change", showRecipe);
  form.addEventListener("input", (event) => {
    if (event.target.matches("fieldset input")) check(document, event.target);
  });
  form.addEventListener("submit", (event) => {
    const inputs = form.querySelectorAll("fieldset:not([disabled]) input");
    const invalid = Array.from(inputs).filter((input) => !check(document, input));
    if (invalid.length) {
      event.preventDefault();
      invalid[0].focus();
    }
  });
  showRecipe();
}
