/**
 * The knobs a learner turns most, inside the model overview, next to what they change (as
 * GAN Lab places them): the noise that feeds G, then a Generator card under G and a
 * Discriminator card under D, then the loss. The rows are the schema-built controls of
 * controls.js; only their placement is decided here, and the full panel below the
 * workspace holds every other knob.
 */

import { properties } from "../schema.js";
import { buildControl, titles } from "./controls.js";

// Placement only: which card a key sits in. `prefix` is dropped from the row label inside its
// card ("G learning rate" reads "learning rate" under the Generator heading); `names` are
// shorter row labels where the card's heading already says the rest.
export const CARDS = [
  { id: "noise", title: "Noise z", keys: ["noise_dim", "noise_type"], wide: true, names: { noise_dim: "dims", noise_type: "type" } },
  { id: "generator", title: "Generator", prefix: "G ", keys: ["g_lr", "g_optimizer", "g_steps", "g_layers", "g_width"] },
  { id: "discriminator", title: "Discriminator", prefix: "D ", keys: ["d_lr", "d_optimizer", "d_steps", "d_layers", "d_width"] },
  { id: "loss", title: "Loss", keys: ["loss"], wide: true, names: { loss: "objective" } },
];

/** Keys shown in the overview (the full panel leaves them out, so each key has one control). */
export const OVERVIEW_KEYS = CARDS.flatMap((c) => c.keys);

function card(spec, props, store, onChange, labels, titleOf) {
  const box = document.createElement("section");
  box.className = `knob-card knob-${spec.id}${spec.wide ? " wide" : ""}`;
  box.id = `knobs-${spec.id}`;
  box.append(Object.assign(document.createElement("h3"), { textContent: spec.title }));
  for (const key of spec.keys) {
    const prop = props[key];
    if (!prop) continue; // a key a newer/older server does not have
    const title = prop.title || key;
    const label = spec.names?.[key] ?? (spec.prefix && title.startsWith(spec.prefix) ? title.slice(spec.prefix.length) : title);
    box.append(buildControl(prop, store, onChange, labels[key], { label, titleOf }));
  }
  return box;
}

/** Build the cards into `root`; `onChange(key, value)` sends a change. */
export function createOverviewKnobs(root, schema, store, onChange, labels = {}) {
  const props = Object.fromEntries(properties(schema).map((p) => [p.key, p]));
  const titleOf = titles(schema);
  root.classList.add("overview-knobs");
  for (const spec of CARDS) root.append(card(spec, props, store, onChange, labels, titleOf));
}
