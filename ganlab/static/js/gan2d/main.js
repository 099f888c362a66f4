/**
 * Bootstrap of the GAN Lab tab: fetch the schema, build the store from defaults + URL
 * hash, build every panel, connect the session socket (session.js turns its messages
 * into store updates), and start the draw loop (renderloop.js).
 */

import { createCharts } from "./charts.js";
import { mountCompare } from "../compare/comparemode.js";
import { buildControl, createControls } from "./controls.js";
import { createCsvUpload } from "./csvupload.js";
import { createDistView } from "./distview.js";
import { createDownloads } from "./downloads.js";
import { createDrawing } from "./drawing.js";
import { createGraph } from "./graph.js";
import { bindHash, readHash, uiDefaults } from "./hashstate.js";
import { addAllHideToggles, bindHidden } from "./hiding.js";
import { decodeFrame } from "./frame.js";
import { startRenderLoop } from "./renderloop.js";
import { defaults, fetchSchema, properties } from "../schema.js";
import { createSessionHandlers } from "./session.js";
import { connectSession } from "../socket.js";
import { createStore } from "../store.js";
import { createTabs } from "../tabs.js";
import { createBanner, createTransport } from "./transport.js";

function initialState(schema) {
  const fromHash = readHash(schema);
  return {
    params: { ...defaults(schema), ...fromHash.params },
    ui: { ...uiDefaults(), ...fromHash.ui },
    hidden: fromHash.hidden,
    drawnPoints: fromHash.points,
    run: { state: "paused", epoch: 0, step: 0, epochs_per_s: 0, run_id: 0 },
    drawing: false,
    connection: "connecting",
  };
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
  let socket = null;
  const banner = createBanner(document.getElementById("banner"), (m) => send(m));
  const send = (message) => socket?.send(message)
    || banner.show("Not connected to the server; retrying…", { kind: "info", timeout_ms: 3000 });
  const { view, graph, charts } = buildPage(schema, store, send, banner, frames);
  const compare = mountCompare({ schema, store, sendMain: send }); // before the hide toggles: it adds a control
  bindHash(store);
  addAllHideToggles(store);
  bindHidden(store)();
  socket = connectSession(createSessionHandlers({ schema, store, charts, frames, banner, send }),
    { decode: decodeFrame });
  startRenderLoop({ schema, store, frames, view, graph, charts });
  window.ganlab = { store, schema, send, frames, compare }; // for tests and the console
}

main().catch((error) => {
  document.getElementById("banner").hidden = false;
  document.getElementById("banner").textContent = `GAN Lab failed to start: ${error.message}`;
  throw error;
});
