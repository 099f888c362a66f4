/**
 * The dataset picker. As in GAN Lab, choosing one of its datasets applies GAN Lab's settings
 * for it (the schema's `dataset_presets`: network sizes, learning rates, k_D, noise), so
 * `ring` trains as it does there; the banner lists what changed and offers to keep the
 * previous settings instead. "drawn" starts the drawing tool and "csv" opens the file picker.
 */

import { properties } from "../schema.js";
import { buildControl } from "./controls.js";

/** The keys of `preset` whose values differ from `params` (the dataset itself excluded). */
export function presetChanges(preset, params) {
  return Object.keys(preset).filter((k) => k !== "dataset" && params[k] !== preset[k]);
}

function describe(keys, preset, params) {
  return keys.map((k) => `${k} ${params[k]} → ${preset[k]}`).join(", ");
}

/**
 * The picker row. `actions`: {drawing, csv} (each with a start/open function), `send`, `banner`.
 * Returns the row (a schema-built control, so it is in the link and hideable like any other).
 */
export function createDatasetPicker(schema, store, { send, banner, drawing, csv }) {
  const prop = properties(schema).find((p) => p.key === "dataset");
  const labels = Object.fromEntries((schema.datasets || []).map((d) => [d.id, d.label]));
  const presets = schema.dataset_presets || {};

  function choose(dataset) {
    const name = presets[dataset];
    const preset = name ? schema.presets?.[name] : null;
    if (!preset) return send({ type: "set", params: { dataset } });
    const params = store.get("params");
    const changed = presetChanges(preset, params);
    const previous = Object.fromEntries(changed.map((k) => [k, params[k]]));
    send({ type: "set", params: { ...preset, dataset } });
    if (!changed.length) return;
    const label = labels[dataset] || dataset;
    const whose = name.startsWith("gan_lab") ? "GAN Lab's settings" : `the "${name}" preset's settings`;
    banner.show(`${label}: applied ${whose} for it (${describe(changed, preset, params)}).`, {
      kind: "info", source: "preset", timeout_ms: 15000,
      actions: [{ text: "Keep my settings", id: "btn-keep-settings", title: "use the chosen dataset with the settings you had",
        onClick: () => send({ type: "set", params: previous }) }],
    });
  }

  return buildControl(prop, store, (key, value) => {
    if (value === "drawn") return drawing.start(); // the picker shows "drawn" while painting
    if (value === "csv") {
      csv.open();
      return store.set({ paramsReverted: performance.now() }); // the running dataset until a file comes
    }
    return choose(value);
  }, labels);
}
