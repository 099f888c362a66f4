/**
 * What a comparison is, without any DOM: one TrainParams key (the knob) and 2–4 values for
 * it. Parses and formats the `compare=<knob>:<v1>,<v2>,...` URL-hash entry, pre-fills
 * values for the classic studies, and gives each variant its colour. Everything about a
 * knob (type, bounds, enum) comes from the schema.
 */

import { coerce, properties } from "../schema.js";

export const COMPARE_KEY = "compare";
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 4;

// Colour-blind-safe hues (Okabe–Ito) that avoid GAN Lab's green (real) and purple (fake),
// so a variant's label and chart line never read as a sample colour.
export const VARIANT_COLORS = ["#0072b2", "#e69f00", "#d55e00", "#222222"];

// The classic studies of issue 6; any other knob (the noise type among them, so a new
// distribution shows up by itself) gets values derived from its schema entry.
const STUDY_VALUES = {
  g_lr: [1e-4, 1e-3, 1e-2],
  d_lr: [1e-4, 1e-3, 1e-2],
  d_steps: [1, 2, 3, 5],
  noise_dim: [10, 50, 200],
  loss: ["non_saturating", "minimax", "least_squares", "wasserstein_gp"],
};

/** The schema property of `key` (with its key), or undefined for a key TrainParams lacks. */
export function knobProperty(schema, key) {
  return properties(schema).find((p) => p.key === key);
}

const clamp = (prop, x) => Math.min(prop.maximum ?? Infinity, Math.max(prop.minimum ?? -Infinity, x));

/** Sensible starting values for comparing `prop`: the study values, or a spread around its default. */
export function defaultValues(prop) {
  if (STUDY_VALUES[prop.key]) return STUDY_VALUES[prop.key];
  if (prop.enum) return prop.enum.slice(0, MAX_VARIANTS);
  if (prop.type === "boolean") return [false, true];
  const base = prop.default;
  if (prop.type === "integer") {
    const spread = [base, base + 1, 2 * base].map((x) => Math.round(clamp(prop, x)));
    return [...new Set(spread)].slice(0, MAX_VARIANTS);
  }
  // Numbers: a decade either side (or ± half for values that are not scale-like).
  const factors = base > 0 ? [0.1, 1, 10] : [-0.5, 0, 0.5];
  const spread = factors.map((f) => Number(clamp(prop, base > 0 ? base * f : base + f).toPrecision(3)));
  return [...new Set(spread)];
}

/**
 * Parse the user's comma-separated values for `prop`. Returns {values} or {error}; the
 * error names the field. Only the type is checked here: bounds are the server's to judge,
 * so its message (with the allowed range) is what the learner sees.
 */
export function parseValues(prop, text) {
  const parts = String(text).split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length < MIN_VARIANTS || parts.length > MAX_VARIANTS) {
    return { error: `${prop.key}: give ${MIN_VARIANTS} to ${MAX_VARIANTS} values, separated by commas (got ${parts.length})` };
  }
  const values = [];
  for (const part of parts) {
    const value = coerce(prop, part);
    if (value === undefined) {
      const expected = prop.enum ? `one of ${prop.enum.join(", ")}` : `a${prop.type === "integer" ? "n integer" : " number"}`;
      return { error: `${prop.key}: '${part}' is not ${expected}` };
    }
    values.push(value);
  }
  return { values };
}

/** `compare` hash text ("g_lr:0.0001,0.001,0.01") -> {knob, values} or {error}. */
export function parseCompare(schema, text) {
  const colon = String(text).indexOf(":");
  const knob = colon < 0 ? String(text) : text.slice(0, colon);
  const prop = knobProperty(schema, knob);
  if (!prop) return { error: `compare: '${knob}' is not a TrainParams key` };
  const parsed = parseValues(prop, colon < 0 ? "" : text.slice(colon + 1));
  return parsed.error ? parsed : { knob, values: parsed.values };
}

/** {knob, values} -> the `compare` hash text. */
export function formatCompare({ knob, values }) {
  return `${knob}:${values.map(String).join(",")}`;
}

/** The `compare` entry of a URL hash, or null when there is none. */
export function compareFromHash(hash = location.hash) {
  return new URLSearchParams(hash.replace(/^#/, "")).get(COMPARE_KEY);
}

/**
 * `hash` with its `compare` entry set to `text` (or removed for null), every other entry
 * kept. Written by hand after the others so the link stays readable (`g_lr:0.001,0.01`).
 */
export function hashWithCompare(hash, text) {
  const entries = new URLSearchParams(hash.replace(/^#/, ""));
  entries.delete(COMPARE_KEY);
  const rest = entries.toString();
  const own = text === null ? "" : `${COMPARE_KEY}=${encodeURIComponent(text).replace(/%3A/g, ":").replace(/%2C/g, ",")}`;
  return "#" + [rest, own].filter(Boolean).join("&");
}

/** The params one variant runs: the page's params with the knob set to its value. */
export function variantParams(base, knob, value) {
  return { ...base, [knob]: value };
}
