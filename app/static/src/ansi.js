// Terminal text to safe, styled pieces. Colours and text attributes (SGR) are
// kept and parsed by anser; every other escape sequence is dropped so a log
// line can never move the cursor, clear the screen or retitle the window, and
// the remaining control characters are shown as their visible symbols.
import Anser from "anser";

// CSI sequences other than SGR (ESC [ digits ; : m: a private one such as
// ESC[>4;2m is no colour), OSC (titles, hyperlinks), DCS/PM/APC strings and
// two-byte escapes. An SGR CSI is left for anser.
const NON_SGR =
  /\x1b\[(?![0-9;:]*m)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\\]-_]/g;
const STRAY_ESCAPE = /\x1b(?!\[)/g;
// C0 controls are shown as their symbols (␀); C1 controls (U+0080-U+009F,
// which some terminals read as escapes) as U+FFFD.
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/g;
const SGR = /\x1b\[[0-9;:]*m/g;

function controlPicture(char) {
  const code = char.charCodeAt(0);
  if (code > 0x7f) return "\ufffd";
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
}

// A progress bar rewrites its line with carriage returns: show its last state.
function lastState(text) {
  if (text.indexOf("\r") === -1) return text;
  const parts = text.split("\r");
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i]) return parts[i];
  return "";
}

/** The line as it should be displayed, with only SGR sequences left in it. */
export function displayText(raw) {
  let text = lastState(raw);
  if (text.indexOf("\x1b") !== -1) text = text.replace(NON_SGR, "").replace(STRAY_ESCAPE, "␛");
  return text.replace(CONTROL, controlPicture);
}

/** The displayed characters without any styling: what search looks through. */
export function plainText(raw) {
  const text = displayText(raw);
  return text.indexOf("\x1b") === -1 ? text : text.replace(SGR, "");
}

const DECORATION_CLASSES = {
  bold: "a-bold",
  dim: "a-dim",
  italic: "a-italic",
  underline: "a-underline",
  strikethrough: "a-strike",
  hidden: "a-hidden",
};

// The 16 basic colours as anser names them, shown in shades that stay readable
// on the dark log background (pure blue or black on near-black is not).
const READABLE = new Map([
  ["0, 0, 0", "110, 118, 129"], ["187, 0, 0", "255, 123, 114"],
  ["0, 187, 0", "63, 185, 80"], ["187, 187, 0", "210, 153, 34"],
  ["0, 0, 187", "88, 166, 255"], ["187, 0, 187", "188, 140, 255"],
  ["0, 187, 187", "57, 197, 207"], ["255,255,255", "177, 186, 196"],
  ["85, 85, 85", "139, 148, 158"], ["255, 85, 85", "255, 161, 152"],
  ["0, 255, 0", "86, 211, 100"], ["255, 255, 85", "227, 179, 65"],
  ["85, 85, 255", "121, 192, 255"], ["255, 85, 255", "210, 168, 255"],
  ["85, 255, 255", "86, 212, 221"], ["255, 255, 255", "255, 255, 255"],
]);

function readable(color) {
  return color === null ? null : READABLE.get(color) || color;
}

/**
 * Styled pieces of one line, starting in terminal style `style` (an SGR
 * sequence, "" for the default): [{text, color, background, classes}]. Colours are
 * "r, g, b" strings (16, 256 and 24-bit alike), applied through the CSSOM,
 * which the page's Content-Security-Policy allows.
 */
export function styledPieces(raw, style) {
  // `style`: the SGR state the line starts in, carried from the lines above it.
  const text = style ? style + displayText(raw) : displayText(raw);
  if (text.indexOf("\x1b") === -1) return [{ text, color: null, background: null, classes: "" }];
  const chunks = Anser.ansiToJson(text, { json: true, remove_empty: true, use_classes: false });
  return chunks.map(function (chunk) {
    const classes = (chunk.decorations || [])
      .map(function (name) { return DECORATION_CLASSES[name]; })
      .filter(Boolean)
      .join(" ");
    return { text: chunk.content, color: readable(chunk.fg), background: readable(chunk.bg), classes };
  });
}
