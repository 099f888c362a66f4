/**
 * One compare-mode variant: its own websocket session (own sessionStorage key, so it
 * resumes after a reload and never takes over the main view's session), brought to its
 * params on every (re)connect. It keeps the newest frame and its run state; the view
 * reads them, and `onChange` tells the mode something happened.
 */

import { pendingPatch } from "../gan2d/session.js";
import { decodeFrame } from "../gan2d/frame.js";
import { connectSession } from "../socket.js";

const SESSION_KEY_PREFIX = "ganlab.compare.";

/** The sessionStorage key of variant slot `index`. */
export function variantSessionKey(index) {
  return `${SESSION_KEY_PREFIX}${index}`;
}

/**
 * Start variant `index`. `wanted`: the params it should run; `points`: drawn points when the
 * dataset is `drawn`; `speed`: max epochs/s; `fresh`: the comparison is new, so a resumed
 * session that already trained is reset (every variant starts from the seed's weights); `play`:
 * the comparison is playing, so this variant starts playing too.
 * `onChange(variant, what)` is called with what: hello, params, status, error, frame, history.
 */
export function createVariant({ index, wanted, points, speed, fresh, play = false, onChange }) {
  const variant = {
    index,
    wanted,
    params: null, // as the server applied them
    state: "connecting",
    epoch: 0,
    step: 0,
    epochs_per_s: 0,
    runId: 0,
    error: null,
    diverged: null,
    frame: null,
    dirty: false,
    history: null, // rows of the last `history` message, for the chart
  };
  let needsReset = fresh;
  const socket = connectSession(handlers(), { sessionKey: variantSessionKey(index), decode: decodeFrame });

  function bringToWanted(m) {
    if (wanted.dataset === "drawn" && m.params.dataset !== "drawn" && points?.length) {
      socket.send({ type: "points", points, dataset: "drawn" });
    }
    const patch = pendingPatch(wanted, m.params);
    if (Object.keys(patch).length) socket.send({ type: "set", params: patch });
    // A hot knob (a learning rate) keeps weights: a session that trained must start over.
    if (needsReset && m.step > 0) socket.send({ type: "reset" });
    needsReset = false;
    if (m.max_epochs_per_s !== speed) socket.send({ type: "speed", max_epochs_per_s: speed, slow_motion: false });
    if (play && m.state !== "playing" && m.state !== "diverged") socket.send({ type: "play" });
    play = false; // only on the first hello: after that the user's play/pause rules
  }

  function setStatus(m) {
    Object.assign(variant, { state: m.state, epoch: m.epoch, step: m.step });
    variant.diverged = m.state === "diverged" ? (m.message || m.diverged || "diverged") : null;
  }

  function handlers() {
    return {
      connection(state) { if (state !== "open") variant.state = state === "full" ? "server full" : "reconnecting"; },
      hello(m) {
        variant.params = m.params;
        variant.runId = m.run_id;
        setStatus(m);
        bringToWanted(m);
        onChange(variant, "hello");
      },
      history(m) { variant.history = m.rows; onChange(variant, "history"); },
      params(m) {
        variant.params = m.params;
        if (m.rebuilt) { variant.runId = m.run_id; variant.frame = null; onChange(variant, "rebuilt"); }
        onChange(variant, "params");
      },
      status(m) { setStatus(m); onChange(variant, "status"); },
      error(m) {
        variant.error = m.code === "server_full" ? m.message : m.message || "error";
        onChange(variant, "error");
      },
      frame(f) {
        if (f.header.run_id < variant.runId) return; // a frame of a run that was replaced
        if (f.header.run_id > variant.runId) { variant.runId = f.header.run_id; onChange(variant, "rebuilt"); }
        Object.assign(variant, { frame: f, dirty: true, epoch: f.header.epoch, step: f.header.step, epochs_per_s: f.header.epochs_per_s });
        onChange(variant, "frame");
      },
    };
  }

  return Object.assign(variant, {
    send: (message) => socket.send(message),
    sessionId: () => socket.sessionId(),
    /** Stop for good; the server keeps the session for its grace period, then deletes it. */
    close() { socket.close(); variant.state = "closed"; },
    setSpeed(value) { speed = value; socket.send({ type: "speed", max_epochs_per_s: value, slow_motion: false }); },
  });
}
