// Terminal text to safe, styled pieces. Colours and text attributes (SGR) are
// kept and parsed by anser; every other escape sequence is dropped so a log
// line can never move the cursor, clear the screen or retitle the window, and
// the remaining control characters are shown as their visible symbols.
import Anser from "anser";

// CSI sequences other than SGR ("m"), OSC (titles, hyperlinks), DCS/PM/APC
// strings and two-byte escapes. An SGR CSI is left for anser.
const NON_SGR =
  /\x1b\[[0-?]*[ -/]*[@-ln-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\\]-_]/g;
const STRAY_ESCAPE = /\x1b(?!\[)/g;
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g;
const SGR = /\x1b\[[0-9;:]*m/g;

function controlPicture(char) {
  const code = char.charCodeAt(0);
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

/**
 * Styled pieces of one line: [{text, color, background, classes}]. Colours are
 * "r, g, b" strings (16, 256 and 24-bit alike), applied through the CSSOM,
 * which the page's Content-Security-Policy allows.
 */
export function styledPieces(raw) {
  const text = displayText(raw);
  if (text.indexOf("\x1b") === -1) return [{ text, color: null, background: null, classes: "" }];
  const chunks = Anser.ansiToJson(text, { json: true, remove_empty: true, use_classes: false });
  return chunks.map(function (chunk) {
    const classes = (chunk.decorations || [])
      .map(function (name) { return DECORATION_CLASSES[name]; })
      .filter(Boolean)
      .join(" ");
    return { text: chunk.content, color: chunk.fg, background: chunk.bg, classes };
  });
}
