/**
 * Glue between the session socket and the store: each server message updates the store
 * (the one door), and the page's wishes (the link's params, speed, manifold axes) are
 * sent after every (re)connect. Panels never talk to the socket's messages directly.
 */

import { describeRejected, readHash, uiDefaults } from "./hashstate.js";
import { speedCommand } from "./pace.js";

const POINT_DATASETS = ["drawn", "csv"];

/** Wanted params that differ from what the session runs (user-point datasets need points). */
export function pendingPatch(wanted, serverParams) {
  const patch = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => serverParams[k] !== v));
  if (POINT_DATASETS.includes(patch.dataset)) delete patch.dataset;
  return patch;
}

/**
 * Returns the socket handlers. `ctx`: {schema, store, charts, frames, banner, send, onParams}
 * (`onParams(params, {initial, rebuilt})` hears every set of params the server applied).
 * `frames` holds the newest decoded frame for the draw loop.
 */
export function createSessionHandlers({ schema, store, charts, frames, banner, send, onParams = () => {} }) {
  // What the link asks for; the session is brought to it on (re)connect, then follows the server.
  let wanted = readHash(schema).params;
  const setRun = (patch) => store.set({ run: { ...store.get("run"), ...patch } });
  const syncSpeed = (ui) => send(speedCommand(ui));
  const reportLink = (link) => {
    const text = describeRejected(link.rejected);
    if (text) banner.show(text, { kind: "warn", source: "link" });
  };
  const syncAxes = (ui, params) => {
    const axes = [ui.manifold_axis_u, ui.manifold_axis_v];
    if (axes[0] !== axes[1] && Math.max(...axes) < params.noise_dim) send({ type: "view", manifold_axes: axes });
  };

  function bringSessionToLink(serverParams) {
    const points = store.get("drawnPoints");
    if (wanted.dataset === "drawn" && serverParams.dataset !== "drawn" && points?.length) {
      send({ type: "points", points, dataset: "drawn" }); // a shared drawing
    }
    const patch = pendingPatch(wanted, serverParams);
    if (Object.keys(patch).length) send({ type: "set", params: patch });
    return { ...serverParams, ...patch };
  }

  function showStatus(m) {
    // The pace the server confirms is the pace in effect (the pace control shows it).
    const pace = "max_epochs_per_s" in m ? { max_epochs_per_s: m.max_epochs_per_s, slow_motion: !!m.slow_motion } : {};
    setRun({ state: m.state, epoch: m.epoch, step: m.step, ...pace });
    if (m.state === "diverged") banner.show(m.message || "Training diverged.", { reset: true, source: "diverged" });
    else banner.hide("diverged");
  }

  // Speed and slice axes are view settings in the store; send them when they change.
  let prevUi = store.get("ui");
  store.subscribe((state, changed) => {
    if (!changed.has("ui")) return;
    const ui = state.ui;
    if (ui.max_epochs_per_s !== prevUi.max_epochs_per_s || ui.slow_motion !== prevUi.slow_motion) syncSpeed(ui);
    if (ui.manifold_axis_u !== prevUi.manifold_axis_u || ui.manifold_axis_v !== prevUi.manifold_axis_v) syncAxes(ui, state.params);
    prevUi = ui;
  });

  // A different link pasted into the same tab: bring params, view and hidden controls to it.
  window.addEventListener("hashchange", () => {
    const link = readHash(schema);
    wanted = link.params;
    store.set({ ui: { ...uiDefaults(), ...link.ui }, hidden: link.hidden, drawnPoints: link.points });
    reportLink(link);
    bringSessionToLink(store.get("params"));
  });
  reportLink(readHash(schema));

  return {
    connection(state) {
      store.set({ connection: state });
      const el = document.getElementById("connection");
      el.textContent = { open: "connected", closed: "reconnecting…", full: "server full" }[state] || state;
      el.classList.toggle("ok", state === "open");
      el.classList.toggle("bad", state !== "open");
    },
    hello(m) {
      frames.runId = m.run_id;
      onParams(m.params, { initial: true });
      store.set({ params: m.params });
      showStatus({ ...m, message: m.diverged });
      if (m.notice) banner.show(m.notice, { kind: "info", timeout_ms: 4000 });
      const params = bringSessionToLink(m.params);
      const ui = store.get("ui");
      const speed = speedCommand(ui);
      if (speed.max_epochs_per_s !== m.max_epochs_per_s || speed.slow_motion !== m.slow_motion) syncSpeed(ui);
      const axes = m.manifold_axes || [0, 1];
      if (ui.manifold_axis_u !== axes[0] || ui.manifold_axis_v !== axes[1]) syncAxes(ui, params);
    },
    history(m) { charts.replace(m.rows); },
    params(m) {
      if (m.rebuilt) { charts.clear(); frames.runId = m.run_id; }
      onParams(m.params, { rebuilt: m.rebuilt });
      store.set({ params: m.params });
      wanted = m.params;
      setRun({ run_id: m.run_id, params_version: m.params_version });
    },
    status: showStatus,
    // Many sessions share the server: fewer frames each, so training keeps its speed (null: back to full).
    frame_rate(m) { setRun({ frame_hz: m.frame_hz, frame_hz_reason: m.reason || null }); },
    error(m) {
      banner.show(m.message, { timeout_ms: m.code === "server_full" || m.code === "replaced" ? 0 : 6000 });
      store.set({ paramsReverted: performance.now() }); // put a rejected control back
    },
    frame(f) {
      if (f.header.run_id < frames.runId) return; // a frame of a run that was replaced
      if (f.header.run_id > frames.runId) { charts.clear(); frames.runId = f.header.run_id; }
      charts.push(f.header);
      frames.latest = f;
      frames.dirty = true;
    },
  };
}
