/**
 * Bootstrap of the GAN Lab tab: fetch the schema, build the store from defaults + URL
 * hash, build every panel, connect the session socket, and run the draw loop.
 * Server messages update the store; panels render from the store or the latest frame.
 */

import { createCharts } from "./charts.js";
import { buildControl, createControls } from "./controls.js";
import { createCsvUpload } from "./csvupload.js";
import { createDistView } from "./distview.js";
import { createDownloads } from "./downloads.js";
import { createDrawing } from "./drawing.js";
import { createGraph } from "./graph.js";
import { bindHash, readHash, uiDefaults } from "./hashstate.js";
import { addAllHideToggles, bindHidden } from "./hiding.js";
import { datasetInfo, defaults, fetchSchema, properties } from "./schema.js";
import { connectSession } from "./socket.js";
import { createStore } from "./store.js";
import { createTabs } from "./tabs.js";
import { createBanner, createTransport } from "./transport.js";

const POINT_DATASETS = ["drawn", "csv"];
const THUMB_INTERVAL_MS = 100; // graph thumbnails and charts: 10 Hz is plenty for the eye

function initialState(schema) {
  const fromHash = readHash(schema);
  return {
    params: { ...defaults(schema), ...fromHash.params },
    ui: { ...uiDefaults(), ...fromHash.ui },
    hidden: fromHash.hidden,
    run: { state: "paused", epoch: 0, step: 0, epochs_per_s: 0, run_id: 0 },
    drawing: false,
    connection: "connecting",
  };
}

/** Wanted params that differ from what the session runs (user-point datasets need points). */
function pendingPatch(wanted, serverParams) {
  const patch = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => serverParams[k] !== v));
  if (POINT_DATASETS.includes(patch.dataset)) delete patch.dataset;
  return patch;
}

function buildPage(schema, store, send, banner, frames) {
  createTransport(document.getElementById("transport"), store, send, schema);
  const view = createDistView(store);
  const csv = createCsvUpload(send, banner);
  const drawing = createDrawing(view, store, send, banner);
  const datasetProp = properties(schema).find((p) => p.key === "dataset");
  const labels = Object.fromEntries((schema.datasets || []).map((d) => [d.id, d.label]));
  const datasetRow = buildControl(datasetProp, store, (key, value) => {
    if (value === "drawn") return drawing.start(); // the picker shows "drawn" while painting
    if (value === "csv") {
      csv.open();
      return store.set({ paramsReverted: performance.now() }); // the running dataset until a file comes
    }
    return send({ type: "set", params: { [key]: value } });
  }, labels);
  drawing.tools.prepend(csv.root);
  const downloads = createDownloads(view, store, () => frames.latest, () => sessionStorageId(), banner);
  document.getElementById("view").append(datasetRow, view.root, drawing.tools, downloads);
  const graph = createGraph(document.getElementById("graph"), store);
  const charts = createCharts(document.getElementById("charts"));
  createControls(document.getElementById("controls"), schema, store,
    (key, value) => send({ type: "set", params: { [key]: value } }),
    { exclude: ["dataset"], labels: { loss: Object.fromEntries((schema.losses || []).map((l) => [l.id, l.label])) } });
  return { view, graph, charts };
}

const sessionStorageId = () => sessionStorage.getItem("ganlab.session_id");

async function main() {
  createTabs();
  const schema = await fetchSchema();
  const store = createStore(initialState(schema));
  const frames = { latest: null, dirty: false, runId: 0 };
  // What the link asks for; the session is brought to it on (re)connect, then it follows the server.
  let wanted = readHash(schema).params;
  let socket = null;
  const send = (message) => socket?.send(message) || banner.show("Not connected to the server; retrying…", { kind: "info", timeout_ms: 3000 });
  const banner = createBanner(document.getElementById("banner"), (m) => send(m));
  const { view, graph, charts } = buildPage(schema, store, send, banner, frames);
  bindHash(store);
  addAllHideToggles(store);
  bindHidden(store)();

  const setRun = (patch) => store.set({ run: { ...store.get("run"), ...patch } });
  const showStatus = (m) => {
    setRun({ state: m.state, epoch: m.epoch, step: m.step });
    if (m.state === "diverged") banner.show(m.message || "Training diverged.", { reset: true });
    else if (store.get("bannerDiverged")) banner.hide();
    store.set({ bannerDiverged: m.state === "diverged" });
  };
  const syncSpeed = (ui) => send({ type: "speed", max_epochs_per_s: ui.max_epochs_per_s || null, slow_motion: !!ui.slow_motion });

  socket = connectSession({
    connection(state) {
      store.set({ connection: state });
      const el = document.getElementById("connection");
      el.textContent = { open: "connected", closed: "reconnecting…", full: "server full" }[state] || state;
      el.className = `connection ${state === "open" ? "ok" : "bad"}`;
    },
    hello(m) {
      frames.runId = m.run_id;
      store.set({ params: m.params });
      showStatus({ ...m, message: m.diverged });
      if (m.notice) banner.show(m.notice, { kind: "info", timeout_ms: 4000 });
      const patch = pendingPatch(wanted, m.params);
      if (Object.keys(patch).length) send({ type: "set", params: patch });
      const ui = store.get("ui");
      if ((ui.max_epochs_per_s || null) !== m.max_epochs_per_s || !!ui.slow_motion !== m.slow_motion) syncSpeed(ui);
    },
    history(m) { charts.replace(m.rows); },
    params(m) {
      if (m.rebuilt) { charts.clear(); frames.runId = m.run_id; }
      store.set({ params: m.params });
      wanted = m.params;
      setRun({ run_id: m.run_id, params_version: m.params_version });
    },
    status: showStatus,
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
  });

  let prevUi = store.get("ui");
  store.subscribe((state, changed) => {
    if (changed.has("ui")) { frames.dirty = true; }
    if (changed.has("ui") && (state.ui.max_epochs_per_s !== prevUi.max_epochs_per_s || state.ui.slow_motion !== prevUi.slow_motion)) syncSpeed(state.ui);
    if (changed.has("ui")) prevUi = state.ui;
    if (changed.has("drawing") && !state.drawing) frames.dirty = true;
  });
  window.addEventListener("hashchange", () => {
    const link = readHash(schema); // a pasted link: bring params, view and hidden controls to it
    wanted = link.params;
    store.set({ ui: { ...uiDefaults(), ...link.ui }, hidden: link.hidden });
    const patch = pendingPatch(wanted, store.get("params"));
    if (Object.keys(patch).length) send({ type: "set", params: patch });
  });
  window.addEventListener("resize", () => { charts.resize(); frames.dirty = true; });

  let lastThumbs = 0;
  let thumbsDirty = false;
  function tick(now) {
    const f = frames.latest;
    if (f && frames.dirty) {
      frames.dirty = false;
      view.draw(f);
      const h = f.header;
      // The play state comes only from hello/status messages: they are ordered with the
      // commands, while a frame may have been built just before a pause.
      setRun({ epoch: h.epoch, step: h.step, epochs_per_s: h.epochs_per_s, run_id: h.run_id, phase: h.phase });
      thumbsDirty = true;
    }
    if (f && thumbsDirty && (now - lastThumbs > THUMB_INTERVAL_MS || store.get("run").state !== "playing")) {
      thumbsDirty = false;
      lastThumbs = now;
      graph.draw(f, store.get("run"), store.get("ui"));
      charts.setMixture(datasetInfo(schema, f.header.dataset).mixture);
      charts.render();
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  window.ganlab = { store, schema, send, frames }; // for tests and the console
}

main().catch((error) => {
  document.getElementById("banner").hidden = false;
  document.getElementById("banner").textContent = `GAN Lab failed to start: ${error.message}`;
  throw error;
});
