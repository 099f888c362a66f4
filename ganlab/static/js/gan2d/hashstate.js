/**
 * The URL hash holds the whole setup, so a link reproduces it (as TensorFlow Playground):
 * every TrainParams key, the view toggles and speed, and `<key>_hide=1` for each control
 * a teacher hid. Keys are the same as in Python, JSON and `data-param`.
 */

import { checkValue, properties } from "../schema.js";
import { DEFAULT_PACE } from "./pace.js";

/** UI settings that live in the hash next to the params: key -> {type, default}. */
export const UI_SETTINGS = {
  layer_heatmap: { type: "boolean", default: true, label: "Discriminator heatmap" },
  layer_real: { type: "boolean", default: true, label: "Real samples" },
  layer_fake: { type: "boolean", default: true, label: "Fake samples" },
  layer_manifold: { type: "boolean", default: false, label: "Generator manifold" },
  layer_gradients: { type: "boolean", default: true, label: "Generator gradients" },
  max_epochs_per_s: { type: "number", default: DEFAULT_PACE, minimum: 0, maximum: 100000, label: "Speed (epochs/s, 0 = max)" },
  slow_motion: { type: "boolean", default: false, label: "Slow motion" },
  manifold_axis_u: { type: "integer", default: 0, minimum: 0, label: "Manifold slice: first latent axis" },
  manifold_axis_v: { type: "integer", default: 1, minimum: 0, label: "Manifold slice: second latent axis" },
};

export function uiDefaults() {
  return Object.fromEntries(Object.entries(UI_SETTINGS).map(([k, v]) => [k, v.default]));
}

// Drawn points (unit square) travel in the link as base64url uint16 pairs: 4 bytes a point,
// a 1/65535 grid, far finer than a mouse can draw.
const POINT_SCALE = 65535;

export function encodePoints(points) {
  const bytes = new Uint8Array(points.length * 4);
  const view = new DataView(bytes.buffer);
  points.forEach(([x, y], i) => {
    view.setUint16(4 * i, Math.round(Math.min(1, Math.max(0, x)) * POINT_SCALE), true);
    view.setUint16(4 * i + 2, Math.round(Math.min(1, Math.max(0, y)) * POINT_SCALE), true);
  });
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodePoints(text) {
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) =>
      [view.getUint16(4 * i, true) / POINT_SCALE, view.getUint16(4 * i + 2, true) / POINT_SCALE]);
  } catch {
    return null; // a damaged link: ignore the points, keep the rest
  }
}

/**
 * Parse `location.hash` into {params, ui, hidden, points, rejected}. Every entry that cannot be
 * used (an unknown key, an unparsable or out-of-range value, damaged points) is left out and
 * listed in `rejected` as {key, text, reason}, so the page can say so.
 */
export function readHash(schema, hash = location.hash) {
  const entries = new URLSearchParams(hash.replace(/^#/, ""));
  const props = Object.fromEntries(properties(schema).map((p) => [p.key, p]));
  const out = { params: {}, ui: {}, hidden: [], points: null, rejected: [] };
  const take = (target, key, spec, text) => {
    const checked = checkValue(spec, text);
    if (checked.error) out.rejected.push({ key, text, reason: checked.error });
    else target[key] = checked.value;
  };
  for (const [key, text] of entries) {
    if (key === "points") {
      out.points = decodePoints(text);
      if (out.points === null) out.rejected.push({ key, text: text.slice(0, 12), reason: "damaged drawing data" });
    } else if (key.endsWith("_hide")) {
      if (text === "1" || text === "true") out.hidden.push(key.slice(0, -5));
    } else if (props[key]) {
      take(out.params, key, props[key], text);
    } else if (UI_SETTINGS[key]) {
      take(out.ui, key, UI_SETTINGS[key], text);
    } else if (!key.includes(".") && !KEPT_KEYS.has(key)) {
      out.rejected.push({ key, text, reason: "not a setting of this page" });
    }
  }
  return out;
}

/** One sentence listing what a link could not use, or null when it used everything. */
export function describeRejected(rejected) {
  if (!rejected.length) return null;
  const items = rejected.map((r) => `${r.key}=${r.text} (${r.reason})`);
  return `This link has ${rejected.length === 1 ? "a value" : `${rejected.length} values`} that could not be used, `
    + `so the defaults stay in their place: ${items.join("; ")}.`;
}

/** The hash string for a state: all params, non-default UI settings, hidden controls, drawn points. */
export function formatHash(params, ui, hidden, points = null) {
  const entries = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) entries.set(key, String(value));
  if (params.dataset === "drawn" && points?.length) entries.set("points", encodePoints(points));
  for (const [key, value] of Object.entries(ui)) {
    if (UI_SETTINGS[key] && value !== UI_SETTINGS[key].default) entries.set(key, String(value));
  }
  for (const key of [...hidden].sort()) entries.set(`${key}_hide`, "1");
  return "#" + entries.toString();
}

// Keys other modules own without a dot: `compare` is compare mode's spec (js/compare/).
const KEPT_KEYS = new Set(["compare"]);

/** Other tabs' keys are namespaced with a dot (`sg3.seed`): keep them when rewriting the hash. */
function withForeignKeys(hash) {
  const foreign = [...new URLSearchParams(location.hash.replace(/^#/, ""))]
    .filter(([key]) => key.includes(".") || KEPT_KEYS.has(key));
  return foreign.length ? `${hash}&${new URLSearchParams(foreign)}` : hash;
}

/** Keep the address bar in step with the store without adding history entries. */
export function bindHash(store) {
  let last = "";
  store.subscribe((state, changed) => {
    if (!["params", "ui", "hidden", "drawnPoints"].some((k) => changed.has(k))) return;
    const hash = withForeignKeys(formatHash(state.params, state.ui, state.hidden, state.drawnPoints));
    if (hash !== last) {
      last = hash;
      history.replaceState(null, "", hash);
    }
  });
}
