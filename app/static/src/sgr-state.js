// The terminal style (SGR state) that carries from line to line: the exact twin
// of app/sgr.py, and both pass tests/sgr_state_cases.json. A style is one
// canonical SGR escape ("\x1b[" + params + "m", attributes in numeric order,
// then foreground, then background) or "" for the default. Only SGR sequences
// change it (a private one such as ESC[>4;2m does not); blink is not kept.

const SGR = /\x1b\[([0-9;:]*)m/g;
const ATTRIBUTES = new Set([1, 2, 3, 4, 7, 8, 9]);
// What each reset code turns off (21 as anser reads it: bold off).
const RESETS = new Map([[21, [1]], [22, [1, 2]], [23, [3]], [24, [4]], [27, [7]], [28, [8]], [29, [9]]]);
// 58 (underline colour) is read past, not kept.
const EXTENDED = new Map([[38, "fg"], [48, "bg"], [58, null]]);
// Any value of ten digits or more: no code, no colour.
const HUGE = 1e9;
const DIGITS = /^[0-9]+$/;
const parsedStyles = new Map();

function emptyState() {
  return { attributes: new Set(), fg: "", bg: "" };
}

function canonical(state) {
  const params = Array.from(state.attributes).sort(function (a, b) { return a - b; }).map(String);
  if (state.fg) params.push(state.fg);
  if (state.bg) params.push(state.bg);
  return params.length ? "\x1b[" + params.join(";") + "m" : "";
}

// A parameter's value: empty means 0; null for one that is no number.
function number(text) {
  if (!DIGITS.test(text)) return text === "" ? 0 : null;
  const digits = text.replace(/^0+/, "");
  return digits.length > 9 ? HUGE : Number(digits || "0");
}

function palette(text) {
  const value = number(text);
  return value !== null && value <= 255 ? "5;" + value : null;
}

function rgb(texts) {
  const values = texts.map(number);
  if (values.some(function (value) { return value === null || value > 255; })) return null;
  return "2;" + values.join(";");
}

function setColour(state, slot, code, colour) {
  if (slot && colour) state[slot] = code + ";" + colour;
}

function applyCode(state, code) {
  if (code === 0) {
    state.attributes = new Set();
    state.fg = "";
    state.bg = "";
  } else if (ATTRIBUTES.has(code)) {
    state.attributes.add(code);
  } else if (RESETS.has(code)) {
    for (const attribute of RESETS.get(code)) state.attributes.delete(attribute);
  } else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) {
    state.fg = String(code);
  } else if (code === 39) {
    state.fg = "";
  } else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) {
    state.bg = String(code);
  } else if (code === 49) {
    state.bg = "";
  }
}

// After 38, 48 or 58: [colour or null, next index]. A mode is used up; its
// values only when all are there (as anser reads them).
function extendedSemicolon(fields, index) {
  if (index >= fields.length) return [null, index];
  const mode = fields[index];
  index += 1;
  if (mode === "5" && index < fields.length) return [palette(fields[index]), index + 1];
  if (mode === "2" && index + 3 <= fields.length) return [rgb(fields.slice(index, index + 3)), index + 3];
  return [null, index];
}

// One colon-separated parameter: 38:5:n, 38:2::r:g:b, 38:2:r:g:b, 4:n; others are ignored.
function applyColon(state, subs) {
  const code = number(subs[0]);
  if (code === 4) {
    const style = number(subs[1]);
    if (style === 0) state.attributes.delete(4);
    else if (style !== null) state.attributes.add(4);
  } else if (EXTENDED.has(code)) {
    let colour = null;
    if (subs[1] === "5" && subs.length >= 3) colour = palette(subs[2]);
    else if (subs[1] === "2" && subs.length >= 5) {
      colour = rgb(subs.length === 5 ? subs.slice(-3) : subs.slice(3, 6));
    }
    setColour(state, EXTENDED.get(code), code, colour);
  }
}

function apply(state, params) {
  const fields = params.split(";");
  let index = 0;
  while (index < fields.length) {
    const field = fields[index];
    index += 1;
    if (field.indexOf(":") !== -1) {
      applyColon(state, field.split(":"));
      continue;
    }
    const code = number(field);
    if (EXTENDED.has(code)) {
      const [colour, next] = extendedSemicolon(fields, index);
      index = next;
      setColour(state, EXTENDED.get(code), code, colour);
    } else if (code !== null) {
      applyCode(state, code);
    }
  }
}

function fold(state, text) {
  for (const match of text.matchAll(SGR)) apply(state, match[1]);
  return state;
}

function stateOf(style) {
  let parsed = parsedStyles.get(style);
  if (!parsed) {
    parsed = fold(emptyState(), style);
    if (parsedStyles.size > 256) parsedStyles.clear();
    parsedStyles.set(style, parsed);
  }
  return { attributes: new Set(parsed.attributes), fg: parsed.fg, bg: parsed.bg };
}

/**
 * The canonical style in effect after the line `raw`, given `style` at its
 * start. Lines joined by newlines fold in one call.
 */
export function styleAfter(style, raw) {
  if (raw.indexOf("\x1b") === -1) return style;
  return canonical(fold(stateOf(style), raw));
}
