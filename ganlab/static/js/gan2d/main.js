/**
 * Bootstrap of the GAN Lab tab: fetch the schema, build the store from defaults + URL
 * hash, build every panel, connect the session socket (session.js turns its messages
 * into store updates), and start the draw loop (renderloop.js).
 */

import { createCharts } from "./charts.js";
import { mountCompare } from "../compare/comparemode.js";
import { createControls } from "./controls.js";
import { createCsvUpload } from "./csvupload.js";
import { createDatasetPicker } from "./datasetpicker.js";
import { createDistView } from "./distview.js";
import { createDownloads } from "./downloads.js";
import { createDrawing } from "./drawing.js";
import { createGraph } from "./graph.js";
import { bindHash, readHash, uiDefaults } from "./hashstate.js";
import { addAllHideToggles, bindHidden } from "./hiding.js";
import { decodeFrame } from "./frame.js";
import { createHealthWatch } from "./health.js";
import { createNotebook } from "./notebook/panel.js";
import { OVERVIEW_KEYS, createOverviewKnobs } from "./overview.js";
import { startRenderLoop } from "./renderloop.js";
import { defaults, fetchSchema } from "../schema.js";
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
  const datasetRow = createDatasetPicker(schema, store, { send, banner, drawing, csv });
  drawing.tools.prepend(csv.root);
  const downloads = createDownloads(view, store, () => frames.latest, () => sessionStorageId(), banner);
  document.getElementById("view-dataset").append(datasetRow);
  document.getElementById("view").append(view.root, drawing.tools, downloads);
  const graph = createGraph(document.getElementById("graph"), store);
  const charts = createCharts(document.getElementById("charts"));
  const setParam = (key, value) => send({ type: "set", params: { [key]: value } });
  // Option names for selects: the schema's `x-enum-labels`, and the losses' own labels.
  const labels = Object.fromEntries(Object.entries(schema.properties)
    .filter(([, prop]) => prop["x-enum-labels"]).map(([key, prop]) => [key, prop["x-enum-labels"]]));
  labels.loss = Object.fromEntries((schema.losses || []).map((l) => [l.id, l.label]));
  createOverviewKnobs(document.getElementById("overview-knobs"), schema, store, setParam, labels);
  createControls(document.getElementById("controls"), schema, store, setParam,
    { exclude: ["dataset", ...OVERVIEW_KEYS], labels });
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
  const notebook = createNotebook({ schema, store, view, frames, charts, banner });
  bindHash(store);
  addAllHideToggles(store);
  bindHidden(store)();
  socket = connectSession(createSessionHandlers({ schema, store, charts, frames, banner, send, onParams: notebook.onServerParams }),
    { decode: decodeFrame });
  const health = createHealthWatch(banner, send);
  startRenderLoop({ schema, store, frames, view, graph, charts, health });
  window.ganlab = { store, schema, send, frames, compare, notebook, health, charts }; // for tests and the console
}

main().catch((error) => {
  document.getElementById("banner").hidden = false;
  document.getElementById("banner").textContent = `GAN Lab failed to start: ${error.message}`;
  throw error;
});
