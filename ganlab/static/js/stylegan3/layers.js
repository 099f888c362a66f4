/**
 * Layer view, as the official layer widget: pick any synthesis layer (its size and channel
 * count are listed) and see its output instead of the image, one channel as grey or three
 * consecutive channels as RGB, each normalised by its max-abs, with a gain in dB.
 */

import { button, checkbox, el, section, slider } from "./widgets.js";

export function createLayerPanel({ get, set }) {
  const select = el("select", { className: "sg3-layer" });
  select.dataset.param = "layer";
  select.addEventListener("change", () => set({ layer: select.value || null, layer_channel: 0 }));
  const channel = slider({ label: "Channel", min: 0, max: 0, step: 1, value: 0, name: "layer_channel",
    onInput: (v) => set({ layer_channel: v }) });
  const rgb = checkbox("RGB (3 channels)", false, (on) => set({ layer_rgb: on }), "layer_rgb");
  const gain = slider({ label: "Gain dB", min: -40, max: 40, step: 1, value: 0, name: "layer_gain_db",
    onInput: (v) => set({ layer_gain_db: v }) });
  const info = el("div", { className: "sg3-hint" });
  const back = button("Show image", () => set({ layer: null }));
  const controls = el("div", {}, channel.root, rgb.root, gain.root, info, el("div", { className: "sg3-buttons" }, back));
  const root = section("Layers", select, controls);
  let layers = [];

  function describe(name) {
    const layer = layers.find((l) => l.name === name);
    return layer ? `${layer.size}×${layer.size}, ${layer.channels} channels` : "";
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
      rgb.set(p.layer_rgb);
      gain.set(p.layer_gain_db);
      info.textContent = p.layer ? `${p.layer}: ${describe(p.layer)}` : "";
    },
  };
}
