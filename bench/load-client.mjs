// Many real Socket.IO viewers of one build in one Node process. Each viewer
// checks that it gets lines after+1, after+2, ... exactly once, and every line's
// latency is measured from the print time the build wrote at its start
// ("<ms since the epoch> line <n>") to the moment the viewer received it.
//
//   node bench/load-client.mjs URL BUILD VIEWERS [--spread MS] [--idle] [--timeout S]
//
// --spread MS: each viewer joins at a random moment within MS (a late join).
// --idle: connect and subscribe, report once all are subscribed, then wait for
//         a line on stdin before disconnecting (for memory per idle viewer).
// Prints one JSON object with the totals.
import { io } from "socket.io-client";

const [url, buildArg, viewersArg, ...rest] = process.argv.slice(2);
const build = Number(buildArg);
const viewers = Number(viewersArg);
const option = (name, fallback) => {
  const at = rest.indexOf(name);
  return at === -1 ? fallback : Number(rest[at + 1]);
};
const spread = option("--spread", 0);
const idle = rest.includes("--idle");
const timeoutSeconds = option("--timeout", 600);
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const LATENCY_BUCKETS = 600_001; // 1 ms buckets up to 10 minutes

const latency = new Uint32Array(LATENCY_BUCKETS);
const totals = { viewers, complete: 0, missing: 0, duplicates: 0, outOfOrder: 0, errors: 0, lines: 0, messages: 0, largestMessage: 0 };
let finishedViewers = 0;
let subscribed = 0;
const started = Date.now();
let firstSubscribe = null;
let lastLineAt = 0;
const sockets = [];

function viewer() {
  let have = 0;
  let done = false;
  let finalLines = null;
  const socket = io(url + "/builds", { transports: ["websocket"], forceNew: true, reconnection: true });
  sockets.push(socket);

  function finish() {
    if (done) return;
    done = true;
    if (finalLines !== null && have === finalLines) totals.complete += 1;
    else totals.missing += Math.max(0, (finalLines ?? have) - have);
    finishedViewers += 1;
    socket.disconnect();
    if (finishedViewers === viewers) report();
  }

  socket.on("connect", () => {
    if (firstSubscribe === null) firstSubscribe = Date.now();
    socket.emit("subscribe", { build, after: have }, (ack) => {
      if (!ack || !ack.ok) {
        console.error("subscribe refused:", ack && ack.error);
        totals.errors += 1;
        finish();
        return;
      }
      subscribed += 1;
      if (idle && subscribed === viewers) console.error("all subscribed");
    });
  });
  socket.on("lines", (message) => {
    const now = Date.now();
    lastLineAt = now;
    totals.messages += 1;
    if (message.lines.length > totals.largestMessage) totals.largestMessage = message.lines.length;
    const first = message.first;
    if (first > have + 1) { totals.outOfOrder += 1; totals.missing += first - have - 1; }
    let index = 0;
    if (first <= have) {
      const repeated = Math.min(message.lines.length, have - first + 1);
      totals.duplicates += repeated;
      index = repeated;
    }
    for (; index < message.lines.length; index++) {
      const line = message.lines[index];
      const printed = Number(line.slice(0, line.indexOf(" ")));
      if (printed > 0) latency[Math.min(LATENCY_BUCKETS - 1, Math.max(0, now - printed))] += 1;
      totals.lines += 1;
    }
    have = Math.max(have, first + message.lines.length - 1);
    if (finalLines !== null && have >= finalLines) finish();
  });
  socket.on("status", (record) => {
    if (FINISHED.has(record.state)) {
      finalLines = record.lines;
      if (have >= finalLines) finish();
    }
  });
}

function percentile(fraction) {
  let count = 0;
  for (const value of latency) count += value;
  if (!count) return null;
  const wanted = Math.ceil(fraction * count);
  let seen = 0;
  for (let ms = 0; ms < LATENCY_BUCKETS; ms++) {
    seen += latency[ms];
    if (seen >= wanted) return ms;
  }
  return null;
}

function report() {
  const result = {
    ...totals,
    seconds: (Date.now() - started) / 1000,
    catchUpSeconds: firstSubscribe ? (lastLineAt - firstSubscribe) / 1000 : null,
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: percentile(1) },
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

for (let i = 0; i < viewers; i++) {
  if (spread) setTimeout(viewer, Math.random() * spread);
  else viewer();
}
if (idle) {
  process.stdin.once("data", () => {
    for (const socket of sockets) socket.disconnect();
    process.stdout.write(JSON.stringify({ subscribed, errors: totals.errors }) + "\n");
    process.exit(0);
  });
}
setTimeout(() => {
  totals.errors += viewers - finishedViewers;
  report();
}, timeoutSeconds * 1000);
