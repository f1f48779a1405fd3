// The build page's status area: the connection indicator and, once the build is
// final, whether the page's copy of the log is the one the server stored.

export class StatusLine {
  constructor(document, root) {
    this.document = document;
    this.root = root;
    this.connection = document.getElementById("connection");
    this.integrity = document.getElementById("integrity");
    this.reload = document.getElementById("reload");
    this.reload.addEventListener("click", () => document.location.reload());
    this.label = null;
  }

  /** Show a ConnectionStatus view; the counted seconds stay out of the spoken status. */
  showConnection(view) {
    if (view.label === this.label) return;
    this.label = view.label;
    this.connection.dataset.state = view.state;
    this.connection.textContent = view.text;
    if (view.seconds !== null) {
      const count = this.document.createElement("span");
      count.setAttribute("aria-hidden", "true");
      count.textContent = " (" + view.seconds + "s)";
      this.connection.appendChild(count);
    }
  }

  /** verdict: "verified" | "mismatch" | "unverifiable", as data-integrity on #build. */
  showIntegrity(verdict, text) {
    this.root.dataset.integrity = verdict;
    this.integrity.dataset.verdict = verdict;
    this.integrity.textContent = text;
    this.integrity.hidden = false;
    this.reload.hidden = verdict !== "mismatch";
  }
}
