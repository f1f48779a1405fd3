// "Notify me": on a click (never on load) ask for permission to show a browser
// notification, then show one when the build finishes while the page is open.
import { outcomeWords } from "./outcome-words.js";

export class NotifyButton {
  /** notifications: the page's Notification (undefined where there is none);
   * over: whether the build had already finished when the page opened. */
  constructor(document, notifications, over) {
    this.button = document.getElementById("notify");
    this.api = notifications;
    this.wanted = false;
    this.sent = false;
    if (over || !this.supported || this.api.permission === "denied") return;
    this.button.hidden = false;
    this.button.addEventListener("click", () => this.ask());
  }

  get supported() {
    return typeof this.api === "function" && typeof this.api.requestPermission === "function";
  }

  ask() {
    this.button.disabled = true;
    Promise.resolve(this.api.requestPermission()).then((answer) => {
      this.wanted = answer === "granted";
      this.button.hidden = answer === "denied";
      this.button.disabled = this.wanted;
      this.button.setAttribute("aria-pressed", String(this.wanted));
      this.button.textContent = this.wanted ? "You will be notified" : "Notify me";
    }, () => { this.button.disabled = false; });
  }

  /** The build's latest status: once it is over, notify if asked to, and hide the button. */
  update(build, finished) {
    if (!finished) return;
    this.button.hidden = true;
    if (!this.wanted || this.sent || this.api.permission !== "granted") return;
    this.sent = true;
    new this.api("#" + build.id + " " + build.recipe + " " + build.state, { body: outcomeWords(build) || "" });
  }
}
