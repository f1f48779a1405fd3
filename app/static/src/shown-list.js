// A list that shows its first items only, with a button for more: a build may
// hold a hundred thousand annotations, and the page never puts all of them in
// the DOM at once unless the reader asks, a few hundred at a time.

export const SHOWN_AT_ONCE = 200;

export class ShownList {
  /**
   * list: the <ol>/<ul>; more: its "show more" button; fill(li, item) sets an
   * item's content (again when the item changed).
   */
  constructor(list, more, fill, step = SHOWN_AT_ONCE) {
    this.list = list;
    this.more = more;
    this.fill = fill;
    this.step = step;
    this.limit = step;
    this.items = [];
    this.shown = []; // the items in the DOM, in order
    this.elements = new Map(); // item -> li
    more.addEventListener("click", () => {
      this.limit += this.step;
      this.show(this.items, []);
    });
  }

  /** Show `items` (the whole ordered list); `changed` items already shown are filled again. */
  show(items, changed) {
    this.items = items;
    const shown = this.shown;
    const extendsShown = shown.length <= items.length && shown.every((item, index) => items[index] === item);
    if (!extendsShown) this.clear();
    const wanted = Math.min(this.limit, items.length);
    const added = [];
    for (let index = this.shown.length; index < wanted; index++) added.push(this.element(items[index]));
    if (added.length) this.list.append(...added);
    for (const item of changed || []) {
      const li = this.elements.get(item);
      if (li) this.fill(li, item);
    }
    const left = items.length - this.shown.length;
    this.more.hidden = left <= 0;
    this.more.textContent = "Show " + Math.min(left, this.step).toLocaleString() + " more (" + left.toLocaleString() + " not shown)";
  }

  element(item) {
    const li = document.createElement("li");
    this.fill(li, item);
    this.shown.push(item);
    this.elements.set(item, li);
    return li;
  }

  /** Start over from the first items, e.g. when a filter changed. */
  clear() {
    this.list.replaceChildren();
    this.shown = [];
    this.elements = new Map();
  }

  reset() {
    this.limit = this.step;
    this.clear();
  }
}
