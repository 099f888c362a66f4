/**
 * Compare mode's toolbar: which knob, its 2–4 values, apply, play/pause all, reset all,
 * the shared speed cap and the way back. It only reports the user's wishes through
 * callbacks; compare mode owns the variants.
 */

import { UI_SETTINGS } from "../gan2d/hashstate.js";
import { properties } from "../schema.js";
import { defaultValues, knobProperty } from "./variants.js";

// A shared cap, never "as fast as possible": uncapped variants would race at whatever CPU
// they get, and the comparison would show the scheduler instead of the knob.
export const COMPARE_SPEEDS = [1000, 300, 100, 30, 10, 3];
export const DEFAULT_SPEED = 100;

function button(text, id, title, onClick, className = "btn") {
  const b = Object.assign(document.createElement("button"), { type: "button", className, textContent: text, id, title });
  b.addEventListener("click", onClick);
  return b;
}

function group(...children) {
  const g = Object.assign(document.createElement("div"), { className: "group" });
  g.append(...children);
  return g;
}

/** Layer switches bound to the page's `layer_*` settings: the tiles and the main view share them. */
function layerSwitches(store) {
  const box = Object.assign(document.createElement("div"), { className: "group compare-layers" });
  const inputs = Object.entries(UI_SETTINGS).filter(([key]) => key.startsWith("layer_")).map(([key, spec]) => {
    const input = Object.assign(document.createElement("input"), { type: "checkbox", id: `compare-${key}` });
    input.addEventListener("change", () => store.set({ ui: { ...store.get("ui"), [key]: input.checked } }));
    const label = document.createElement("label");
    label.append(input, ` ${spec.label}`);
    box.append(label);
    return [key, input];
  });
  const render = (ui) => inputs.forEach(([key, input]) => { input.checked = !!ui[key]; });
  store.subscribe((state, changed) => { if (changed.has("ui")) render(state.ui); });
  render(store.get("ui"));
  return box;
}

function labelled(text, control) {
  const label = Object.assign(document.createElement("label"), { className: "compare-field" });
  label.append(text, control);
  return label;
}

/**
 * Build the toolbar. `on`: {apply(knob, valuesText), play(), reset(), speed(n), exit()}; `store`
 * holds the layer settings.
 * Returns {root, setSpec({knob, values}), setPlaying(bool), showError(text|null)}.
 */
export function createCompareControls(schema, store, on) {
  const knob = Object.assign(document.createElement("select"), { id: "compare-knob" });
  for (const p of properties(schema)) knob.append(new Option(p.key, p.key));
  const values = Object.assign(document.createElement("input"), { id: "compare-values", type: "text", size: 22, spellcheck: false });
  const hint = Object.assign(document.createElement("span"), { className: "hint", id: "compare-hint" });
  const describe = () => {
    const prop = knobProperty(schema, knob.value);
    hint.textContent = prop.enum ? `one of: ${prop.enum.join(", ")}` : `${prop.type}, ${prop.minimum ?? "−∞"}–${prop.maximum ?? "∞"}`;
    values.title = prop.description || prop.title || prop.key;
  };
  knob.addEventListener("change", () => {
    values.value = defaultValues(knobProperty(schema, knob.value)).join(", ");
    describe();
  });
  const apply = () => on.apply(knob.value, values.value);
  values.addEventListener("keydown", (event) => { if (event.key === "Enter") apply(); });

  const play = button("▶ Play all", "compare-play", "play / pause every variant together", () => on.play(), "btn primary");
  const speed = Object.assign(document.createElement("select"), { id: "compare-speed", title: "the same cap for every variant, so they advance comparably" });
  for (const s of COMPARE_SPEEDS) speed.append(new Option(`${s} epochs/s`, s));
  speed.value = String(DEFAULT_SPEED);
  speed.addEventListener("change", () => on.speed(Number(speed.value)));
  const error = Object.assign(document.createElement("div"), { className: "compare-form-error", id: "compare-form-error" });
  error.hidden = true;

  const root = Object.assign(document.createElement("div"), { className: "transport compare-toolbar" });
  root.append(
    group(labelled("Compare ", knob), labelled(" values ", values),
      button("Apply", "compare-apply", "start the comparison over with these values", apply), hint),
    group(button("⟲ Reset all", "compare-reset", "every variant starts over from the same initial weights", () => on.reset()), play),
    group(labelled("Speed cap ", speed)),
    group(button("✕ Exit compare", "compare-exit", "back to the single view", () => on.exit())),
    layerSwitches(store),
    error,
  );

  return {
    root,
    setSpec(spec) {
      knob.value = spec.knob;
      values.value = spec.values.join(", ");
      describe();
    },
    setPlaying(playing) { play.textContent = playing ? "❚❚ Pause all" : "▶ Play all"; },
    showError(text) { error.hidden = !text; error.textContent = text || ""; },
    speed: () => Number(speed.value),
  };
}
