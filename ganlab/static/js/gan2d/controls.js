/**
 * Controls built from the TrainParams schema: one row per property, the input kind chosen
 * from its type and bounds. There is no per-parameter code; a new field in params.py
 * shows up here by itself. A change sends only that one key.
 */

import { isLogScale, properties } from "../schema.js";

const GROUP_ORDER = ["data", "noise", "generator", "discriminator", "loss", "training"];
const LOG_STEPS = 1000;
const MAX_SLIDER_SPAN = 600; // integer ranges wider than this get a number box
const PENDING_MS = 3000; // give up waiting for an echo (e.g. the socket dropped)

// Three significant digits: finer than one step of the log slider, so a value sent and
// echoed back lands on the same slider position (keyboard steps never get stuck).
function niceNumber(x) {
  return Number(x.toPrecision(3));
}

function format(prop, value) {
  if (typeof value !== "number") return String(value);
  return prop.type === "integer" ? String(value) : String(Number(value.toPrecision(3)));
}

/** The input element for one property, plus how to read and write its value. */
function makeInput(prop, labels) {
  if (prop.enum) {
    const select = document.createElement("select");
    for (const option of prop.enum) select.append(new Option(labels?.[option] ?? option, option));
    return { el: select, read: () => select.value, write: (v) => { select.value = v; } };
  }
  if (prop.type === "boolean") {
    const box = Object.assign(document.createElement("input"), { type: "checkbox" });
    return { el: box, read: () => box.checked, write: (v) => { box.checked = !!v; } };
  }
  const bounded = prop.minimum !== undefined && prop.maximum !== undefined;
  if (bounded && isLogScale(prop)) {
    const range = Object.assign(document.createElement("input"), { type: "range", min: 0, max: LOG_STEPS, step: 1 });
    const ratio = Math.log(prop.maximum / prop.minimum);
    return {
      el: range,
      read: () => niceNumber(prop.minimum * Math.exp((range.value / LOG_STEPS) * ratio)),
      write: (v) => { range.value = Math.round((Math.log(v / prop.minimum) / ratio) * LOG_STEPS); },
    };
  }
  if (bounded && (prop.type === "number" || prop.maximum - prop.minimum <= MAX_SLIDER_SPAN)) {
    const step = prop.type === "integer" ? 1 : "any";
    const range = Object.assign(document.createElement("input"), { type: "range", min: prop.minimum, max: prop.maximum, step });
    const parse = prop.type === "integer" ? (t) => parseInt(t, 10) : (t) => niceNumber(parseFloat(t));
    return { el: range, read: () => parse(range.value), write: (v) => { range.value = v; } };
  }
  const box = Object.assign(document.createElement("input"), { type: "number" });
  if (prop.minimum !== undefined) box.min = prop.minimum;
  if (prop.maximum !== undefined) box.max = prop.maximum;
  return { el: box, read: () => Number(box.value), write: (v) => { box.value = v; } };
}

/**
 * One labelled row for `prop`. `onChange(key, value)` fires on commit (slider release,
 * select change); the readout follows the slider while it moves.
 */
export function buildControl(prop, store, onChange, labels) {
  const row = document.createElement("div");
  row.className = "param";
  row.dataset.param = prop.key;
  row.dataset.control = prop.key;
  row.title = `${prop.key}: ${prop.description || ""}`;
  const id = `param-${prop.key}`;
  const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: prop.title || prop.key });
  const input = makeInput(prop, labels);
  input.el.id = id;
  input.el.dataset.param = prop.key;
  const output = document.createElement("output");
  row.append(label, input.el, output);
  // Sliders need a readout; a select or checkbox already shows its value.
  const show = (value) => { if (input.el.type === "range") output.textContent = format(prop, value); };
  // Echoes of the user's earlier steps (a slider moved key by key) must not pull the control
  // back: until the echo of the value last sent arrives, older echoes are ignored.
  let pending = null;
  input.el.addEventListener("input", () => show(input.read()));
  input.el.addEventListener("change", () => {
    pending = { value: input.read(), at: performance.now() };
    onChange(prop.key, pending.value);
  });
  const render = (params, force = false) => {
    if (!params || params[prop.key] === undefined) return;
    const stale = pending && params[prop.key] !== pending.value && performance.now() - pending.at < PENDING_MS;
    if (stale && !force) return;
    pending = null;
    input.write(params[prop.key]);
    show(params[prop.key]);
  };
  render(store.get("params"));
  store.subscribe((state, changed) => {
    if (changed.has("params") || changed.has("paramsReverted")) render(state.params, changed.has("paramsReverted"));
  });
  return row;
}

/** All controls except `exclude`, grouped by `x-group`, into `container`. */
export function createControls(container, schema, store, onChange, { exclude = [], labels = {} } = {}) {
  const groups = new Map(GROUP_ORDER.map((g) => [g, []]));
  for (const prop of properties(schema)) {
    if (exclude.includes(prop.key)) continue;
    const group = prop["x-group"] || "training";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(buildControl(prop, store, onChange, labels[prop.key]));
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
