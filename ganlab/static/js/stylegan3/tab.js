/**
 * The StyleGAN3 tab: `mountStyleGAN3Tab(root)` builds every panel, keeps one store of the
 * render params (defaults from the server's schema, overridden by `sg3.*` keys in the URL
 * hash), and turns every change into a latest-wins render request over /ws/stylegan3.
 */

import { createStore } from "../store.js";
import { createAnimator } from "./animator.js";
import { connectRender } from "./connection.js";
import { createDirectionsPanel } from "./directions.js";
import { createEquivariancePanel } from "./equivariance.js";
import { createHub } from "./hub.js";
import { createInterpolation } from "./interpolation.js";
import { createLatentPanel, moveLatent } from "./latent.js";
import { createLayerPanel } from "./layers.js";
import { createMixingPanel } from "./mixing.js";
import { createModelPanel } from "./models.js";
import { createNoisePanel } from "./noise.js";
import { fetchRenderSchema, readHashParams, renderDefaults, requestParams, writeHashParams } from "./params.js";
import { createSeedGrid } from "./seedgrid.js";
import { createSpectrumPanel } from "./spectrum.js";
import { createTruncationPanel } from "./truncation.js";
import { createVideoExport } from "./video.js";
import { createViewer } from "./viewer.js";
import { checkbox, el } from "./widgets.js";

const CSS_HREF = new URL("../../css/stylegan3.css", import.meta.url).href;
const IMAGE_DRAG_SEEDS = 4;
const HASH_WRITE_MS = 300; // browsers throttle replaceState storms; animations change params every frame

function injectCss() {
  if (document.querySelector(`link[href="${CSS_HREF}"]`)) return;
  document.head.append(el("link", { rel: "stylesheet", href: CSS_HREF }));
}

function createBanner() {
  const node = el("div", { className: "sg3-banner", hidden: true });
  node.dataset.role = "sg3-banner";
  let timer = 0;
  return {
    root: node,
    show(text, timeoutMs = 6000) {
      node.textContent = text;
      node.hidden = false;
      clearTimeout(timer);
      if (timeoutMs) timer = setTimeout(() => { node.hidden = true; }, timeoutMs);
    },
  };
}

/** Values that only make sense for some models, adjusted when a model's info arrives. */
function fitToModel(params, info) {
  const layerNames = info.layers.map((l) => l.name);
  return {
    ...params,
    class_idx: info.c_dim ? Math.min(params.class_idx ?? 0, info.c_dim - 1) : null,
    truncation_cutoff: params.truncation_cutoff !== null && params.truncation_cutoff >= info.num_ws ? null : params.truncation_cutoff,
    mix_ws: params.mix_ws.filter((i) => i < info.num_ws),
    layer: layerNames.includes(params.layer) ? params.layer : null,
    edit_first: Math.min(params.edit_first, info.num_ws - 1),
    edit_last: params.edit_last !== null && params.edit_last >= info.num_ws ? null : params.edit_last,
    // StyleGAN2 has no input transform: the server refuses anything but the identity.
    ...(info.architecture === "StyleGAN2" ? { translate: [0, 0], rotate: 0 } : {}),
  };
}

function throttle(fn, waitMs) {
  let timer = 0;
  let lastArgs = null;
  return (...args) => {
    lastArgs = args;
    if (!timer) timer = setTimeout(() => { timer = 0; fn(...lastArgs); }, waitMs);
  };
}

/**
 * Share of a render done when synthesis starts stage `index`, weighted by each layer's work
 * (in x out channels x size^2: the late, large layers cost far more than the early ones).
 */
export function renderFraction(layers, index) {
  if (!layers || layers.length < 2) return null;
  const cost = layers.map((l, i) => (i ? layers[i - 1].channels * l.channels * l.size ** 2 : 0));
  const total = cost.reduce((a, b) => a + b, 0);
  return total ? cost.slice(0, index).reduce((a, b) => a + b, 0) / total : null;
}

/** What the image area says while the server works: loading a model, or rendering layer n of N. */
function busyText(m, name, layers) {
  const elapsed = `${m.elapsed_s.toFixed(1)} s`;
  const estimate = m.estimate_s ? ` of about ${m.estimate_s.toFixed(1)} s` : "";
  if (m.phase === "loading") return [`Loading ${name}… ${elapsed}${estimate}`, m.estimate_s ? m.elapsed_s / m.estimate_s : null];
  if (m.phase === "ready") return [`Rendering the first image of ${name}…`, null];
  const stage = m.layer === "input" ? "the Fourier input" : `layer ${m.layer}`;
  const fraction = renderFraction(layers, m.layer_index) ?? m.layer_index / m.layer_count;
  return [`Rendering ${stage} (${m.layer_index + 1} of ${m.layer_count}) · ${elapsed}${estimate}`, fraction];
}

export async function mountStyleGAN3Tab(root) {
  injectCss();
  root.classList.add("sg3-tab");
  root.replaceChildren(el("p", { className: "sg3-starting", textContent:
    "Starting the StyleGAN engine (PyTorch loads once; a few seconds the first time)…" }));
  const schema = await fetchRenderSchema();
  const defaults = renderDefaults(schema);
  const limits = schema["x-limits"] || { max_grid: 4, max_frames: 60 };
  const store = createStore({ params: { ...defaults, ...readHashParams(schema) }, info: null });
  const get = () => store.get("params");
  const set = (patch) => store.set({ params: { ...get(), ...patch } });
  const animator = createAnimator();
  const banner = createBanner();
  let conn = null;
  const request = (message) => conn.request(message);

  const badge = el("span", { className: "sg3-badge", textContent: "device…" });
  badge.dataset.role = "sg3-device";
  const models = createModelPanel({ onPick: (id) => pickModel(id), notify: (t) => banner.show(t) });
  const viewer = createViewer({ getParams: () => requestParams(get(), schema), onError: (t) => banner.show(t),
    // A drag across the whole image moves 4 seeds, about the official 0.04 seed per font-size of travel.
    onDrag: (dx, dy) => { const p = get(); set(moveLatent(p.seed, p.seed_offset, dx * IMAGE_DRAG_SEEDS, dy * IMAGE_DRAG_SEEDS)); } });
  const latent = createLatentPanel({ get, set, animator });
  const truncation = createTruncationPanel({ schema, set });
  const equivariance = createEquivariancePanel({ schema, get, set, animator });
  const noise = createNoisePanel({ schema, set });
  const mixing = createMixingPanel({ get, set, animator });
  const layers = createLayerPanel({ get, set });
  let directionsId = null; // the socket id of the latest directions request, to route its error
  const directions = createDirectionsPanel({ schema, get, set,
    send: (message) => (directionsId = conn.send(message)) !== null });
  const spectrum = createSpectrumPanel({ schema, set });
  const grid = createSeedGrid({ get: () => requestParams(get(), schema), set, request, maxGrid: limits.max_grid });
  const interp = createInterpolation({ get: () => requestParams(get(), schema), request, animator,
    maxFrames: limits.max_frames });
  const video = createVideoExport({ get: () => requestParams(get(), schema), toSeed: () => interp.toSeed(),
    notify: (t) => banner.show(t) });
  const hub = createHub({ request: (message) => conn.send(message), onUse: (id) => pickModel(id) });
  let device = null;
  const showDevice = (threads, precision = device.precision) => {
    const what = device.type === "cuda" ? device.label : `CPU · ${threads} thread${threads > 1 ? "s" : ""}`;
    badge.textContent = what + (precision ? ` · ${precision}` : "") + (precision === "bf16" ? " preview" : "");
  };
  // Force FP32, as the official visualizer: off, frames shown while a control is dragged may
  // render in bf16 (about 2x faster on CPUs with AVX512-BF16/AMX) and release renders exact fp32.
  const fp32Box = checkbox("Force FP32", get().force_fp32, (on) => set({ force_fp32: on }), "force_fp32");
  fp32Box.root.title = schema.properties.force_fp32.description +
    " Off: frames shown while you drag a control may render in bfloat16 (about twice as fast on CPUs " +
    "that have it); the frame after you let go is always the exact fp32 one.";
  fp32Box.root.dataset.role = "sg3-force-fp32";
  let lastFrameId = 0; // progress of a request whose frame is already shown is stale
  const modelName = (id) => (id === "demo" ? "the demo network" : id);

  root.replaceChildren(
    el("div", { className: "sg3-top" },
      el("strong", { textContent: "StyleGAN", title: "StyleGAN2 and StyleGAN3 generators, run by ganlab's own PyTorch code" }),
      badge, fp32Box.root),
    banner.root, hub.lead,
    el("div", { className: "sg3-layout" },
      // Seed and ψ sit right under the model picker, above the hub's list, so the controls that
      // change the picture are on screen beside it at every window size.
      el("div", { className: "sg3-column sg3-controls" }, models.root, latent.root, truncation.root, noise.root,
        hub.panel),
      el("div", { className: "sg3-column sg3-center" }, viewer.root, directions.root, layers.root),
      el("div", { className: "sg3-column sg3-extras" }, equivariance.root, spectrum.root, mixing.root, grid.root,
        interp.root, video.root)));

  const panels = [latent, truncation, noise, equivariance, mixing, layers, directions, spectrum];
  const writeHash = throttle(() => writeHashParams(get(), defaults), HASH_WRITE_MS);
  // A pointer held down anywhere in the tab (a slider, the seed pad, the image) is a drag: its
  // frames are previews. Letting go asks once more for the same params as an exact fp32 frame.
  let dragging = false;
  let previewAsked = false;
  const render = () => {
    const info = store.get("info");
    if (!info || info.model !== get().model) return;
    const preview = dragging && !get().force_fp32;
    previewAsked ||= preview;
    request({ type: "render", params: { ...requestParams(get(), schema), preview } });
  };
  root.addEventListener("pointerdown", () => { dragging = true; }, true);
  const release = () => {
    if (!dragging) return;
    dragging = false;
    if (previewAsked) { previewAsked = false; render(); }
  };
  for (const type of ["pointerup", "pointercancel"]) window.addEventListener(type, release, true);

  function pickModel(id) {
    store.set({ info: null, params: { ...get(), model: id } });
    models.setCurrent(id);
    request({ type: "load", model: id });
  }

  store.subscribe((state, changed) => {
    if (!changed.has("params")) return;
    for (const panel of panels) panel.update(state.params);
    fp32Box.set(state.params.force_fp32);
    writeHash();
    render();
  });

  viewer.busy("Starting the StyleGAN engine…");
  conn = connectRender({
    connection(state) { if (state === "closed") banner.show("StyleGAN connection lost; reconnecting…", 3000); },
    starting: (m) => viewer.busy(m.message),
    hello(m) {
      device = m.device;
      showDevice(device.threads);
      badge.classList.toggle("cuda", device.type === "cuda");
      models.setModels(m.models);
      if (m.hub) hub.setHub(m.hub);
      hub.setLocalModels(m.models);
      viewer.busy(`Preparing ${modelName(get().model)}…`);
      pickModel(get().model);
    },
    directions: (m) => directions.found(m),
    progress(m) {
      if (m.phase === "directions") { directions.progress(m); return; }
      if (m.phase !== "render") models.progress(m);
      if (m.phase === "render" && m.kind !== "render") { grid.progress(m); interp.progress(m); return; }
      if (m.model !== get().model || (m.phase === "render" && m.id <= lastFrameId)) return;
      const info = store.get("info");
      viewer.busy(...busyText(m, modelName(m.model), info && info.model === m.model ? info.layers : null));
    },
    download(m) {
      if (m.download.models) { models.setModels(m.download.models); hub.setLocalModels(m.download.models); }
      hub.update(m.download);
    },
    model(m) {
      if (m.model !== get().model) return;
      for (const panel of [truncation, noise, equivariance, mixing, layers, directions]) panel.setModel(m.info);
      store.set({ info: { ...m.info, model: m.model }, params: fitToModel(get(), m.info) });
      render();
    },
    error(m) {
      const where = m.field && m.field !== "message" ? `${m.field}: ` : "";
      banner.show(`${where}${m.message}`);
      if (m.id === directionsId) directions.failed(m.message);
      if (m.field === "model") { models.failed(m.message); viewer.busy(`Could not load ${modelName(get().model)}.`, 0); }
    },
    done(m) { grid.done(m); interp.done(m); },
    frame(f) {
      // fewer threads while a GAN Lab session plays; bf16 while a drag preview
      if (f.header.threads && device) showDevice(f.header.threads, f.header.kind === "render" ? f.header.precision : undefined);
      if (f.header.kind === "grid") grid.frame(f);
      else if (f.header.kind === "interpolate") interp.frame(f);
      else { lastFrameId = Math.max(lastFrameId, Number(f.header.id) || 0); viewer.show(f); layers.stats(f.header.layer); }
    },
  });
  for (const panel of panels) panel.update(get());
  models.setCurrent(get().model);

  window.addEventListener("hashchange", () => {
    const fromHash = readHashParams(schema);
    const changed = Object.entries(fromHash).some(([k, v]) => JSON.stringify(v) !== JSON.stringify(get()[k]));
    if (!changed) return;
    if (fromHash.model && fromHash.model !== get().model) {
      set(fromHash);
      pickModel(fromHash.model);
    } else set(fromHash);
  });
  /** Resolves when nothing is rendering or waiting and the newest frame is drawn (tests wait on it). */
  async function settled() {
    while (conn.busy()) await new Promise((resolve) => setTimeout(resolve, 20));
    await viewer.drawn();
  }
  window.ganlabStyleGAN3 = { store, schema, animator, settled, hub }; // for tests and the console
  return { store };
}
