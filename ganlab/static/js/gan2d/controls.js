/**
 * Controls built from the TrainParams schema: one row per property, the input kind chosen
 * from its type and bounds. There is no per-parameter code; a new field in params.py
 * shows up here by itself. A change sends only that one key.
 *
 * Every numeric knob has a number box that holds the exact value (typing 0.001 sends
 * exactly 0.001) and, when bounded, a slider beside it (1–2–5 steps per decade on a log
 * scale). A knob that has no effect in the current setup (`x-applies-when` in the schema)
 * is greyed out, with a tooltip that says why.
 */

import { isLogScale, properties } from "../schema.js";
import { sliderScale } from "./numeric.js";

const GROUP_ORDER = ["data", "noise", "generator", "discriminator", "loss", "training"];
const PENDING_MS = 3000; // give up waiting for an echo (e.g. the socket dropped)

function numberBox(prop, id) {
  const box = Object.assign(document.createElement("input"), { type: "number", id, className: "param-box" });
  box.step = prop.type === "integer" ? "1" : "any";
  if (prop.minimum !== undefined) box.min = prop.minimum;
  if (prop.maximum !== undefined) box.max = prop.maximum;
  box.dataset.param = prop.key;
  box.setAttribute("aria-label", `${prop.title || prop.key} (exact value)`);
  return box;
}

/**
 * The inputs for one property: {els, focus, write(value), disable(bool), onCommit(fn), onPreview(fn)}.
 * `id` goes on the main input (the slider, select or checkbox; the box when there is no slider).
 */
function makeInputs(prop, id, labels) {
  if (prop.enum || prop.type === "boolean") {
    const el = prop.enum ? document.createElement("select") : Object.assign(document.createElement("input"), { type: "checkbox" });
    if (prop.enum) for (const option of prop.enum) el.append(new Option(labels?.[option] ?? option, option));
    Object.assign(el, { id });
    el.dataset.param = prop.key;
    const read = () => (prop.enum ? el.value : el.checked);
    return {
      els: [el],
      write: (v) => { if (prop.enum) el.value = v; else el.checked = !!v; },
      disable: (off) => { el.disabled = off; },
      onCommit: (fn) => el.addEventListener("change", () => fn(read())),
      onPreview: () => {},
    };
  }
  const scale = sliderScale(prop, { logScale: isLogScale(prop) });
  const box = numberBox(prop, scale ? `${id}-box` : id);
  if (!scale) {
    return {
      els: [box],
      write: (v) => { box.value = String(v); },
      disable: (off) => { box.disabled = off; },
      onCommit: (fn) => box.addEventListener("change", () => fn(box.value.trim() === "" ? NaN : Number(box.value))),
      onPreview: () => {},
    };
  }
  const slider = Object.assign(document.createElement("input"), { type: "range", id, min: 0, max: scale.positions, step: 1 });
  slider.dataset.param = prop.key;
  slider.dataset.scale = scale.kind;
  return {
    els: [slider, box],
    write: (v) => { slider.value = String(scale.toPosition(v)); box.value = String(v); },
    disable: (off) => { slider.disabled = off; box.disabled = off; },
    onCommit: (fn) => {
      slider.addEventListener("change", () => fn(scale.toValue(Number(slider.value))));
      box.addEventListener("change", () => fn(box.value.trim() === "" ? NaN : Number(box.value)));
    },
    // The box follows the slider while it moves, so the value is readable before release.
    onPreview: () => slider.addEventListener("input", () => { box.value = String(scale.toValue(Number(slider.value))); }),
  };
}

/** Why `prop` has no effect under `params`, or null when it applies. */
export function inapplicableReason(prop, params, titleOf = (k) => k) {
  const rule = prop["x-applies-when"];
  if (!rule || !params || params[rule.key] === undefined || rule.values.includes(params[rule.key])) return null;
  return `No effect with ${titleOf(rule.key)} = ${params[rule.key]}: ${prop.title || prop.key} applies only when `
    + `${titleOf(rule.key)} is ${rule.values.join(" or ")}.`;
}

/**
 * One labelled row for `prop`. `onChange(key, value)` fires on commit (slider release, Enter or
 * leaving the box, select change). `options`: {labels (enum value -> text), label (row text),
 * titleOf (key -> title, for the tooltip of a knob that does not apply)}.
 */
export function buildControl(prop, store, onChange, labels, { label: text, titleOf } = {}) {
  const row = document.createElement("div");
  row.className = "param";
  row.dataset.param = prop.key;
  row.dataset.control = prop.key;
  const help = `${prop.key}: ${prop.description || ""}`;
  row.title = help;
  const id = `param-${prop.key}`;
  const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: text || prop.title || prop.key });
  const inputs = makeInputs(prop, id, labels);
  row.classList.add(inputs.els.length > 1 ? "has-slider" : inputs.els[0].tagName === "SELECT" ? "has-select" : "has-box");
  row.append(label, ...inputs.els.slice().reverse()); // label, box, slider: the slider takes the row below
  // Echoes of the user's earlier steps (a slider moved key by key) must not pull the control
  // back: until the echo of the value last sent arrives, older echoes are ignored.
  let pending = null;
  inputs.onPreview();
  inputs.onCommit((value) => {
    if (typeof value === "number" && !Number.isFinite(value)) return render(store.get("params"), true); // an emptied box
    pending = { value, at: performance.now() };
    onChange(prop.key, value);
  });
  const render = (params, force = false) => {
    if (!params || params[prop.key] === undefined) return;
    const stale = pending && params[prop.key] !== pending.value && performance.now() - pending.at < PENDING_MS;
    if (!(stale && !force)) {
      pending = null;
      inputs.write(params[prop.key]);
    }
    const why = inapplicableReason(prop, params, titleOf);
    row.classList.toggle("inapplicable", !!why);
    inputs.disable(!!why);
    row.title = why || help;
  };
  render(store.get("params"));
  store.subscribe((state, changed) => {
    if (changed.has("params") || changed.has("paramsReverted")) render(state.params, changed.has("paramsReverted"));
  });
  return row;
}

/** key -> title, for tooltips that name another knob. */
export function titles(schema) {
  const map = Object.fromEntries(properties(schema).map((p) => [p.key, p.title || p.key]));
  return (key) => map[key] || key;
}

/** All controls except `exclude`, grouped by `x-group`, into `container`. */
export function createControls(container, schema, store, onChange, { exclude = [], labels = {} } = {}) {
  const groups = new Map(GROUP_ORDER.map((g) => [g, []]));
  const titleOf = titles(schema);
  for (const prop of properties(schema)) {
    if (exclude.includes(prop.key)) continue;
    const group = prop["x-group"] || "training";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(buildControl(prop, store, onChange, labels[prop.key], { titleOf }));
  }
  for (const [name, rows] of groups) {
    if (!rows.length) continue;
    const section = document.createElement("div");
    section.className = "param-group";
    section.dataset.group = name;
    const title = document.createElement("h3");
    title.textContent = name;
    section.append(title, ...rows);
    container.append(section);
  }
}
