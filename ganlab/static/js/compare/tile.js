/**
 * One small multiple: the variant's label in its colour, its epoch counter, a diverged or
 * error badge, and a compact layered-distribution view drawn by distview.js (the same
 * heatmap, dots and arrows as the main view, following the main view's layer toggles).
 */

import { createDistView } from "../gan2d/distview.js";
import { formatEpoch } from "../gan2d/transport.js";

function el(tag, className, text = "") {
  return Object.assign(document.createElement(tag), { className, textContent: text });
}

/** A tile for variant `index` showing `knob = value`; returns {root, draw(variant), update(variant)}. */
export function createTile(store, { index, knob, value, color }) {
  const root = el("figure", "compare-tile");
  root.dataset.variant = String(index);
  root.style.setProperty("--variant", color);
  const label = el("figcaption", "compare-label");
  const swatch = el("span", "compare-swatch");
  label.append(swatch, el("span", "compare-knob", `${knob} = ${value}`));
  const counter = el("span", "compare-epoch", "000,000");
  const badge = el("span", "compare-badge");
  badge.hidden = true;
  const error = el("div", "compare-error");
  error.hidden = true;
  const view = createDistView(store, { compact: true });
  const meta = el("div", "compare-meta");
  meta.append(el("span", "counter-label", "Epoch"), counter, badge);
  root.append(label, view.root, meta, error);

  return {
    root,
    view,
    /** Paint the newest frame if it has not been painted yet. */
    draw(variant) {
      if (!variant.frame || !variant.dirty) return;
      variant.dirty = false;
      view.draw(variant.frame);
    },
    /** Reflect the variant's counters, state and messages. */
    update(variant) {
      counter.textContent = formatEpoch(variant.epoch || 0);
      root.dataset.state = variant.state;
      const diverged = variant.state === "diverged";
      badge.hidden = !diverged;
      badge.textContent = diverged ? "diverged" : "";
      badge.title = variant.diverged || "";
      error.hidden = !variant.error;
      error.textContent = variant.error || "";
    },
  };
}
