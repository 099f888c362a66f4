/**
 * Latent directions (GANSpace): one slider per principal direction of W, in standard
 * deviations, applied to a chosen range of ws (coarse, middle, fine, all, or custom). The
 * directions are found by the server on first use (a `directions` socket message: a PCA of
 * 10,000 mapped latents with progress, cached per model sha256); the amounts live in the render
 * params, so a shared link carries the edit.
 */

import { button, el, foldSection, intBox, slider } from "./widgets.js";

const SLIDER_SPAN = 5; // sigmas each way on the slider; the number box takes up to the schema's bound

/** Amounts with trailing zeros dropped, so an unedited image has an empty list (and a short link). */
export function trimAmounts(amounts) {
  const out = [...amounts];
  while (out.length && !out[out.length - 1]) out.pop();
  return out;
}

export function createDirectionsPanel({ schema, get, set, send }) {
  const rangeProp = schema.properties.edit_layers;
  const status = el("div", { className: "sg3-hint", textContent: "Open to find the latent directions." });
  status.dataset.role = "sg3-directions-status";
  const select = el("select", { className: "sg3-edit-layers", title: rangeProp.description });
  select.dataset.param = "edit_layers";
  select.addEventListener("change", () => set({ edit_layers: select.value }));
  const first = intBox({ label: "First w", min: 0, max: 15, value: 0, name: "edit_first",
    onChange: (v) => set({ edit_first: v }) });
  const last = intBox({ label: "Last w", min: 0, max: 15, value: 15, name: "edit_last",
    onChange: (v) => set({ edit_last: v }) });
  const custom = el("div", { className: "sg3-edit-custom" }, first.root, last.root);
  const sliders = el("div", { className: "sg3-directions" });
  sliders.dataset.role = "sg3-directions";
  const reset = button("Reset edit", () => set({ edit_amounts: [] }));
  const npz = el("a", { className: "btn", textContent: "Download .npz", download: "" });
  const root = foldSection("Latent directions", { role: "sg3-directions-panel" }, status,
    el("label", { className: "sg3-row sg3-int-row" }, el("span", { textContent: "Layers" }), select),
    custom, sliders, el("div", { className: "sg3-buttons" }, reset, npz));
  let rows = [];
  let info = null;
  let loadedFor = null;
  let numWs = 16;

  function setAmount(index, value) {
    const amounts = [...get().edit_amounts];
    while (amounts.length <= index) amounts.push(0);
    amounts[index] = value;
    set({ edit_amounts: trimAmounts(amounts) });
  }

  function build(found) {
    info = found;
    const ranges = Object.entries(found.ranges).map(([name, [a, b]]) => new Option(`${name} (ws ${a}–${b})`, name));
    select.replaceChildren(...ranges, new Option("custom", "custom"));
    rows = found.explained_ratio.map((ratio, i) => slider({
      label: `PC${i} ${(ratio * 100).toFixed(1)}%`, min: -SLIDER_SPAN, max: SLIDER_SPAN, step: 0.1, value: 0,
      name: `edit_${i}`, title: `Direction ${i}: ${(ratio * 100).toFixed(2)}% of the variance of W; ` +
        `1 = one standard deviation (${found.stds[i].toFixed(2)})`, onInput: (v) => setAmount(i, v) }));
    sliders.replaceChildren(...rows.map((r) => r.root));
    status.textContent = `${found.count} directions from ${found.n_samples.toLocaleString()} latents` +
      (found.cached ? " (cached)" : "") + "; sliders in standard deviations.";
    update(get());
  }

  /** Ask the server (once per model); the answer arrives as `found`, progress as `progress`. */
  function load() {
    const model = get().model;
    if (loadedFor === model) return;
    if (!send({ type: "directions", model })) {
      status.textContent = "Not connected; the directions are asked for again when the panel reopens.";
      return;
    }
    loadedFor = model;
    status.textContent = "Finding latent directions (PCA of W)…";
  }

  function update(p) {
    select.value = p.edit_layers;
    custom.hidden = p.edit_layers !== "custom";
    first.set(p.edit_first);
    last.set(p.edit_last ?? numWs - 1);
    rows.forEach((row, i) => row.set(p.edit_amounts[i] ?? 0));
    reset.disabled = !p.edit_amounts.some((v) => v);
  }

  root.addEventListener("toggle", () => { if (root.open) load(); });
  return {
    root,
    setModel(modelInfo) {
      numWs = modelInfo.num_ws;
      first.box.max = last.box.max = numWs - 1;
      npz.href = `api/stylegan3/models/${encodeURIComponent(get().model)}/directions.npz`;
      if (loadedFor !== get().model) { rows = []; sliders.replaceChildren(); info = null; loadedFor = null; }
      // A link with an edit opens the panel: the sliders it moved should be visible.
      if (get().edit_amounts.some((v) => v)) root.open = true;
      if (root.open) load();
      update(get());
    },
    update,
    /** The server's `directions` message. */
    found(m) { if (m.model === get().model) build(m.info); },
    progress(m) {
      if (m.model !== get().model || info) return;
      status.textContent = `Finding latent directions: mapped ${m.done.toLocaleString()} of ` +
        `${m.total.toLocaleString()} latents…`;
    },
    /** A failed request: let the next opening ask again. */
    failed(message) { loadedFor = null; status.textContent = `Could not find directions: ${message}`; },
    get info() { return info; },
  };
}
