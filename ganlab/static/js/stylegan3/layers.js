/**
 * Layer view, as the official layer widget: pick any synthesis layer (its size and channel
 * count are listed) and see its output instead of the image, one channel as grey or three
 * consecutive channels as RGB, optionally normalised by each channel's max |v|, with a gain
 * in dB. Channels are counted in index order or by energy (RMS, strongest first), and the
 * statistics table (all channels vs the shown ones) and the strongest channels come with
 * every frame; clicking a strong channel shows it.
 */

import { button, checkbox, el, section, slider } from "./widgets.js";

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** All channels vs the shown ones (the official table), plus one column per shown channel in RGB. */
function statsTable() {
  const head = el("tr");
  const body = el("tbody");
  const table = el("table", { className: "sg3-stats" }, el("thead", {}, head), body);
  table.dataset.role = "sg3-layer-stats";
  return {
    root: table,
    show(layer) {
      const each = layer.per_channel.length > 1 ? layer.per_channel : [];
      head.replaceChildren(...["", "All channels", "Shown", ...each.map((c) => `ch ${c.index}`)]
        .map((t) => el("th", { textContent: t })));
      const rows = [["Mean", "mean"], ["Std", "std"], ["Max |v|", "max_abs"], ["RMS", "rms"]];
      body.replaceChildren(...rows.map(([label, key]) => el("tr", {}, el("th", { textContent: label }),
        ...[layer.all[key], layer.selected[key], ...each.map((c) => c[key])]
          .map((v) => el("td", { textContent: v === undefined ? "" : fmt(v) })))));
    },
  };
}

export function createLayerPanel({ get, set }) {
  const select = el("select", { className: "sg3-layer" });
  select.dataset.param = "layer";
  select.addEventListener("change", () => set({ layer: select.value || null, layer_channel: 0 }));
  const channel = slider({ label: "Channel", min: 0, max: 0, step: 1, value: 0, name: "layer_channel",
    onInput: (v) => set({ layer_channel: v }) });
  const order = el("select", { title: "Count channels by index, or strongest (RMS) first" });
  order.dataset.param = "layer_order";
  order.append(new Option("by index", "index"), new Option("by energy", "energy"));
  order.addEventListener("change", () => set({ layer_order: order.value, layer_channel: 0 }));
  const rgb = checkbox("RGB (3 channels)", false, (on) => set({ layer_rgb: on }), "layer_rgb");
  const normalize = checkbox("Normalise", true, (on) => set({ layer_normalize: on }), "layer_normalize");
  normalize.root.title = "Divide each shown channel by its max |v|";
  const gain = slider({ label: "Gain dB", min: -40, max: 40, step: 1, value: 0, name: "layer_gain_db",
    onInput: (v) => set({ layer_gain_db: v }) });
  const info = el("div", { className: "sg3-hint" });
  const table = statsTable();
  const strongest = el("div", { className: "sg3-chips" });
  strongest.dataset.role = "sg3-layer-top";
  const back = button("Show image", () => set({ layer: null }));
  const controls = el("div", {}, channel.root,
    el("div", { className: "sg3-buttons" }, order, rgb.root, normalize.root), gain.root, info, table.root,
    el("div", { className: "sg3-hint", textContent: "Strongest channels (RMS):" }), strongest,
    el("div", { className: "sg3-buttons" }, back));
  const root = section("Layers", select, controls);
  let layers = [];

  function describe(name) {
    const layer = layers.find((l) => l.name === name);
    return layer ? `${layer.size}×${layer.size}, ${layer.channels} channels` : "";
  }

  /** Clicking a strong channel shows it: its index in index order, its rank in energy order. */
  function pick(index, rank) {
    set({ layer_channel: get().layer_order === "energy" ? rank : index });
  }

  return {
    root,
    setModel(modelInfo) {
      layers = modelInfo.layers;
      select.replaceChildren(new Option("(image)", ""),
        ...layers.map((l) => new Option(`${l.name}  ${l.size}×${l.size}×${l.channels}`, l.name)));
      select.value = get().layer || "";
    },
    update(p) {
      select.value = p.layer || "";
      controls.hidden = !p.layer;
      const layer = layers.find((l) => l.name === p.layer);
      if (layer) channel.setBounds(0, layer.channels - 1);
      channel.set(p.layer_channel);
      order.value = p.layer_order;
      rgb.set(p.layer_rgb);
      normalize.set(p.layer_normalize);
      gain.set(p.layer_gain_db);
      info.textContent = p.layer ? `${p.layer}: ${describe(p.layer)}` : "";
    },
    /** A frame's layer header: statistics and the strongest channels. */
    stats(layer) {
      if (!layer || !layer.all) return;
      table.show(layer);
      const shown = new Set(layer.shown);
      strongest.replaceChildren(...layer.top.map(([index, rms], rank) => {
        const chip = button(`${index}`, () => pick(index, rank), { title: `channel ${index}: RMS ${fmt(rms)}` });
        chip.classList.toggle("sg3-chip-on", shown.has(index));
        return chip;
      }));
    },
  };
}
