/**
 * The StyleGAN3 tab: `mountStyleGAN3Tab(root)` builds every panel, keeps one store of the
 * render params (defaults from the server's schema, overridden by `sg3.*` keys in the URL
 * hash), and turns every change into a latest-wins render request over /ws/stylegan3.
 */

import { createStore } from "../store.js";
import { createAnimator } from "./animator.js";
import { connectRender } from "./connection.js";
import { createEquivariancePanel } from "./equivariance.js";
import { createInterpolation } from "./interpolation.js";
import { createLatentPanel, moveLatent } from "./latent.js";
import { createLayerPanel } from "./layers.js";
import { createMixingPanel } from "./mixing.js";
import { createModelPanel } from "./models.js";
import { fetchRenderSchema, readHashParams, renderDefaults, requestParams, writeHashParams } from "./params.js";
import { createSeedGrid } from "./seedgrid.js";
import { createTruncationPanel } from "./truncation.js";
import { createViewer } from "./viewer.js";
import { el } from "./widgets.js";

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

export async function mountStyleGAN3Tab(root) {
  injectCss();
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
  const mixing = createMixingPanel({ get, set, animator });
  const layers = createLayerPanel({ get, set });
  const grid = createSeedGrid({ get: () => requestParams(get(), schema), set, request, maxGrid: limits.max_grid });
  const interp = createInterpolation({ get: () => requestParams(get(), schema), request, animator,
    maxFrames: limits.max_frames });

  root.classList.add("sg3-tab");
  root.replaceChildren(
    el("div", { className: "sg3-top" }, el("strong", { textContent: "StyleGAN3" }), badge), banner.root,
    el("div", { className: "sg3-layout" },
      el("div", { className: "sg3-column" }, models.root, latent.root, truncation.root),
      el("div", { className: "sg3-column sg3-center" }, viewer.root, layers.root),
      el("div", { className: "sg3-column" }, equivariance.root, mixing.root, grid.root, interp.root)));

  const panels = [latent, truncation, equivariance, mixing, layers];
  const writeHash = throttle(() => writeHashParams(get(), defaults), HASH_WRITE_MS);
  const render = () => {
    const info = store.get("info");
    if (info && info.model === get().model) request({ type: "render", params: requestParams(get(), schema) });
  };

  function pickModel(id) {
    store.set({ info: null, params: { ...get(), model: id } });
    models.setCurrent(id);
    request({ type: "load", model: id });
  }

  store.subscribe((state, changed) => {
    if (!changed.has("params")) return;
    for (const panel of panels) panel.update(state.params);
    writeHash();
    render();
  });

  conn = connectRender({
    connection(state) { if (state === "closed") banner.show("StyleGAN3 connection lost; reconnecting…", 3000); },
    hello(m) {
      badge.textContent = m.device.label + (m.device.precision ? ` · ${m.device.precision}` : "");
      badge.classList.toggle("cuda", m.device.type === "cuda");
      models.setModels(m.models);
      pickModel(get().model);
    },
    progress: (m) => models.progress(m),
    model(m) {
      if (m.model !== get().model) return;
      for (const panel of [truncation, mixing, layers]) panel.setModel(m.info);
      store.set({ info: { ...m.info, model: m.model }, params: fitToModel(get(), m.info) });
      render();
    },
    error(m) {
      const where = m.field ? `${m.field}: ` : "";
      banner.show(`${where}${m.message}`);
      if (m.field === "model") models.failed(m.message);
    },
    done(m) { grid.done(m); interp.done(m); },
    frame(f) {
      if (f.header.kind === "grid") grid.frame(f);
      else if (f.header.kind === "interpolate") interp.frame(f);
      else viewer.show(f);
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
  window.ganlabStyleGAN3 = { store, schema, animator, settled }; // for tests and the console
  return { store };
}
