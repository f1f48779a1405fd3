// The step list: each step the worker found, indented by nesting, with how
// long it took (counting up while it runs) and a red mark with its error
// count, and how long the same step (by title) took in the recipe's last
// green build; a click takes the reader to the step's header line.
import { durationWords } from "./outcome-words.js";
import { ShownList } from "./shown-list.js";
import { stepDuration } from "./steps.js";

const INDENT_REM = 0.9;

function durationText(step, now) {
  const duration = stepDuration(step, now);
  return duration === null ? "" : durationWords(duration);
}

export class StepList {
  /** steps: a StepSet; now(): ms to count open steps up to; onJump(line). */
  constructor(document, steps, now, onJump) {
    this.steps = steps;
    this.now = now;
    this.section = document.getElementById("steps");
    this.empty = document.getElementById("steps-empty");
    const list = document.getElementById("step-list");
    this.list = new ShownList(list, document.getElementById("steps-more"), (li, step) => this.fill(li, step));
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-line]");
      if (button) onJump(Number(button.dataset.line));
    });
    this.running = new Map(); // step -> its duration element, while it runs
    this.lastGreen = new Map(); // step title -> ms it took in the last succeeded build
    setInterval(() => this.tick(), 1000);
    this.update([]);
  }

  fill(li, step) {
    li.className = "step" + (step.errors ? " has-errors" : "") + (step.finished_at ? "" : " running");
    li.style.paddingLeft = step.depth * INDENT_REM + "rem";
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.line = step.line;
    const title = document.createElement("span");
    title.className = "step-title";
    title.textContent = step.title || "(untitled)";
    button.append(title);
    if (step.errors) {
      const errors = document.createElement("span");
      errors.className = "step-errors";
      errors.textContent = step.errors;
      errors.title = step.errors + (step.errors === 1 ? " error" : " errors");
      errors.setAttribute("aria-label", errors.title);
      button.append(errors);
    }
    const duration = document.createElement("span");
    duration.className = "step-duration";
    duration.textContent = durationText(step, this.now());
    button.append(duration);
    const before = this.lastGreen.get(step.title);
    if (before !== undefined) {
      const green = document.createElement("span");
      green.className = "step-last-green";
      green.textContent = "last green: " + durationWords(before);
      button.append(green);
    }
    li.replaceChildren(button);
    if (step.finished_at || !step.started_at) this.running.delete(step);
    else this.running.set(step, duration);
  }

  /** Show the latest steps; `changed` ones already listed are redrawn. */
  update(changed) {
    this.list.show(this.steps.list, changed);
    this.empty.hidden = this.steps.size > 0;
    this.section.dataset.steps = this.steps.size;
  }

  /** `durations`: {step title: ms} of the recipe's last succeeded build. */
  setLastGreen(durations) {
    this.lastGreen = new Map(Object.entries(durations || {}).filter(([, ms]) => typeof ms === "number"));
    this.section.dataset.lastGreen = this.lastGreen.size;
    this.list.show(this.steps.list, this.steps.list);
  }

  tick() {
    const now = this.now();
    for (const [step, element] of this.running) {
      if (!element.isConnected) this.running.delete(step);
      else element.textContent = durationText(step, now);
    }
  }
}
