/**
 * The URL hash holds the whole setup, so a link reproduces it (as TensorFlow Playground):
 * every TrainParams key, the view toggles and speed, and `<key>_hide=1` for each control
 * a teacher hid. Keys are the same as in Python, JSON and `data-param`.
 */

import { coerce, properties } from "./schema.js";

/** UI settings that live in the hash next to the params: key -> {type, default}. */
export const UI_SETTINGS = {
  layer_heatmap: { type: "boolean", default: true, label: "Discriminator heatmap" },
  layer_real: { type: "boolean", default: true, label: "Real samples" },
  layer_fake: { type: "boolean", default: true, label: "Fake samples" },
  layer_manifold: { type: "boolean", default: false, label: "Generator manifold" },
  layer_gradients: { type: "boolean", default: true, label: "Generator gradients" },
  max_epochs_per_s: { type: "number", default: 0, label: "Speed (epochs/s, 0 = max)" },
  slow_motion: { type: "boolean", default: false, label: "Slow motion" },
};

export function uiDefaults() {
  return Object.fromEntries(Object.entries(UI_SETTINGS).map(([k, v]) => [k, v.default]));
}

/** Parse `location.hash` into {params, ui, hidden}; unknown or invalid entries are ignored. */
export function readHash(schema, hash = location.hash) {
  const entries = new URLSearchParams(hash.replace(/^#/, ""));
  const props = Object.fromEntries(properties(schema).map((p) => [p.key, p]));
  const out = { params: {}, ui: {}, hidden: [] };
  for (const [key, text] of entries) {
    if (key.endsWith("_hide")) {
      if (text === "1" || text === "true") out.hidden.push(key.slice(0, -5));
    } else if (props[key]) {
      const value = coerce(props[key], text);
      if (value !== undefined) out.params[key] = value;
    } else if (UI_SETTINGS[key]) {
      const value = coerce(UI_SETTINGS[key], text);
      if (value !== undefined) out.ui[key] = value;
    }
  }
  return out;
}

/** The hash string for a state: all params, non-default UI settings, hidden controls. */
export function formatHash(params, ui, hidden) {
  const entries = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) entries.set(key, String(value));
  for (const [key, value] of Object.entries(ui)) {
    if (UI_SETTINGS[key] && value !== UI_SETTINGS[key].default) entries.set(key, String(value));
  }
  for (const key of [...hidden].sort()) entries.set(`${key}_hide`, "1");
  return "#" + entries.toString();
}

/** Other tabs' keys are namespaced with a dot (`sg3.seed`): keep them when rewriting the hash. */
function withForeignKeys(hash) {
  const foreign = [...new URLSearchParams(location.hash.replace(/^#/, ""))].filter(([key]) => key.includes("."));
  return foreign.length ? `${hash}&${new URLSearchParams(foreign)}` : hash;
}

/** Keep the address bar in step with the store without adding history entries. */
export function bindHash(store) {
  let last = "";
  store.subscribe((state, changed) => {
    if (!["params", "ui", "hidden"].some((k) => changed.has(k))) return;
    const hash = withForeignKeys(formatHash(state.params, state.ui, state.hidden));
    if (hash !== last) {
      last = hash;
      history.replaceState(null, "", hash);
    }
  });
}
