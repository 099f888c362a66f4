/**
 * Compare mode of the GAN Lab tab: 2–4 variants of one knob trained side by side, each in
 * its own server session, with the page's params (so the same dataset, seed and initial
 * weights) and only the knob changed. Shown as live small multiples over shared metric
 * charts. The `compare=<knob>:<values>` hash entry makes it a link; opening one enters
 * compare mode directly.
 */

import { readHash } from "../gan2d/hashstate.js";
import { createCompareChart } from "./comparechart.js";
import { createCompareControls } from "./comparecontrols.js";
import { createTile } from "./tile.js";
import { createVariant } from "./variantsession.js";
import {
  COMPARE_KEY, VARIANT_COLORS, compareFromHash, defaultValues, formatCompare, hashWithCompare,
  knobProperty, parseCompare, parseValues, variantParams,
} from "./variants.js";

const SPEC_KEY = "ganlab.compare.spec"; // what the stored variant sessions were started for
const DEFAULT_KNOB = "g_lr";
const CHART_INTERVAL_MS = 100;

function injectStylesheet() {
  if (document.querySelector("link[data-compare-css]")) return;
  const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: "css/compare.css" });
  link.dataset.compareCss = "";
  document.head.append(link);
}

/** The button that enters compare mode, in the transport bar (hideable in shared links). */
function enterButton(onClick) {
  const box = Object.assign(document.createElement("div"), { className: "group" });
  box.dataset.control = COMPARE_KEY;
  const b = Object.assign(document.createElement("button"), {
    type: "button", className: "btn", id: "btn-compare", textContent: "Compare…",
    title: "train 2–4 values of one hyperparameter side by side",
  });
  b.addEventListener("click", onClick);
  box.append(b);
  (document.getElementById("transport") || document.body).append(box);
}

/**
 * Mount compare mode into the GAN Lab tab. `sendMain` talks to the main session (paused
 * while comparing, so the variants get the CPU). Returns a handle for tests and the console.
 */
export function mountCompare({ schema, store, sendMain }) {
  injectStylesheet();
  const tab = document.getElementById("tab-ganlab");
  const panel = Object.assign(document.createElement("section"), { className: "compare", id: "compare" });
  panel.hidden = true;
  const controls = createCompareControls(schema, store, { apply, play: playAll, reset: resetAll, speed: setSpeed, exit });
  const grid = Object.assign(document.createElement("div"), { className: "compare-grid", id: "compare-grid" });
  const chartBox = Object.assign(document.createElement("div"), { className: "compare-charts", id: "compare-charts" });
  panel.append(controls.root, grid, chartBox);
  (document.getElementById("banner") || tab.firstChild).after(panel);
  const chart = createCompareChart(chartBox);
  let variants = [];
  let tiles = [];
  let spec = null;
  let frameRequest = 0;
  let lastChart = 0;

  /** The params every variant shares: the page's, with what the link asks for on top. */
  const baseParams = () => ({ ...store.get("params"), ...readHash(schema).params });

  function start(next) {
    // New values start in the run state of the comparison they replace: applying 3 → 4 values
    // while playing must not leave the new tile frozen at epoch 0.
    const playing = variants.some((v) => v.state === "playing");
    stopVariants();
    spec = next;
    const base = baseParams();
    const wanted = next.values.map((value) => variantParams(base, next.knob, value));
    const signature = JSON.stringify({ spec: next, wanted });
    const fresh = sessionStorage.getItem(SPEC_KEY) !== signature;
    sessionStorage.setItem(SPEC_KEY, signature);
    chart.setVariants(next.values.map((value, i) => ({ label: `${next.knob}=${value}`, color: VARIANT_COLORS[i] })));
    tiles = next.values.map((value, index) => createTile(store, { index, knob: next.knob, value, color: VARIANT_COLORS[index] }));
    grid.replaceChildren(...tiles.map((t) => t.root));
    grid.dataset.count = String(tiles.length);
    const points = store.get("drawnPoints");
    variants = wanted.map((params, index) =>
      createVariant({ index, wanted: params, points, speed: controls.speed(), fresh, play: playing, onChange }));
    controls.setSpec(next);
    controls.showError(null);
    history.replaceState(null, "", hashWithCompare(location.hash, formatCompare(next)));
  }

  function onChange(variant, what) {
    if (what === "frame") chart.push(variant.index, variant.frame.header);
    else if (what === "rebuilt") chart.clear(variant.index);
    else if (what === "history") chart.replace(variant.index, variant.history);
    if (what === "params") variant.error = null; // a later good `set` clears an old complaint
  }

  function tick(now) {
    variants.forEach((v, i) => { tiles[i].draw(v); tiles[i].update(v); });
    controls.setPlaying(variants.some((v) => v.state === "playing"));
    if (now - lastChart > CHART_INTERVAL_MS) { lastChart = now; chart.render(); }
    frameRequest = requestAnimationFrame(tick);
  }

  function enter(next) {
    if (store.get("run")?.state === "playing") sendMain({ type: "pause" });
    tab.classList.add("compare-on");
    panel.hidden = false;
    start(next);
    cancelAnimationFrame(frameRequest);
    frameRequest = requestAnimationFrame(tick);
  }

  function stopVariants() {
    variants.forEach((v) => v.close());
    variants = [];
  }

  function exit() {
    stopVariants();
    cancelAnimationFrame(frameRequest);
    tiles = [];
    grid.replaceChildren();
    spec = null;
    panel.hidden = true;
    tab.classList.remove("compare-on");
    history.replaceState(null, "", hashWithCompare(location.hash, null));
  }

  function apply(knob, text) {
    const parsed = parseValues(knobProperty(schema, knob), text);
    if (parsed.error) return controls.showError(parsed.error);
    start({ knob, values: parsed.values });
  }

  function playAll() {
    const playing = variants.some((v) => v.state === "playing");
    // A diverged variant refuses `play`; it waits for Reset all.
    variants.forEach((v) => { if (playing || v.state !== "diverged") v.send({ type: playing ? "pause" : "play" }); });
  }

  function resetAll() { variants.forEach((v) => v.send({ type: "reset" })); }
  function setSpeed(value) { variants.forEach((v) => v.setSpeed(value)); }

  /** Enter, switch or leave compare mode to match the link's `compare` entry. */
  function followLink() {
    const text = compareFromHash();
    if (text === null) { if (spec) exit(); return; }
    const parsed = parseCompare(schema, text);
    if (parsed.error) {
      enter({ knob: DEFAULT_KNOB, values: defaultValues(knobProperty(schema, DEFAULT_KNOB)) });
      controls.showError(`${parsed.error} (link ignored)`);
      return;
    }
    if (!spec || formatCompare(parsed) !== formatCompare(spec)) enter(parsed);
  }

  enterButton(() => enter(spec || { knob: DEFAULT_KNOB, values: defaultValues(knobProperty(schema, DEFAULT_KNOB)) }));
  window.addEventListener("hashchange", followLink);
  // Layer switches change what the tiles show: repaint them from their latest frames.
  store.subscribe((_, changed) => { if (changed.has("ui")) variants.forEach((v) => { v.dirty = !!v.frame; }); });
  followLink();

  return {
    active: () => spec !== null,
    spec: () => spec,
    chart: () => chart.describe(),
    /** A plain summary of each variant (for tests). */
    variants: () => variants.map((v) => ({
      index: v.index, value: v.wanted[spec.knob], params: v.params, state: v.state, epoch: v.epoch,
      step: v.step, error: v.error, sessionId: v.sessionId(), hasFrame: !!v.frame,
    })),
    frame: (index) => variants[index]?.frame ?? null,
    enter, exit,
  };
}
