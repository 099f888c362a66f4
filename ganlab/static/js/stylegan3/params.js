/**
 * RenderParams as the server declares them (GET /api/stylegan3/schema): defaults, bounds,
 * and the text form used in the URL hash. Nothing about a parameter is written here twice;
 * a new field in ganlab/server/stylegan3_params.py is picked up from the schema.
 */

/** Keys that describe one shareable image; the rest of RenderParams are per-job details. */
export const HASH_KEYS = [
  "model", "seed", "seed_offset", "truncation_psi", "truncation_cutoff", "class_idx",
  "translate", "rotate", "mix_seed", "mix_ws", "layer", "layer_channel", "layer_rgb", "layer_gain_db",
  // The visualizer's views and the latent-direction edit (sgviews): a shared link carries them.
  "layer_normalize", "layer_order", "fft", "fft_all", "fft_range_db", "fft_beta", "untransform", "translate_round",
  "edit_amounts", "edit_layers", "edit_first", "edit_last",
];
export const HASH_PREFIX = "sg3.";

export async function fetchRenderSchema() {
  const response = await fetch("api/stylegan3/schema");
  if (!response.ok) throw new Error(`StyleGAN3 schema request failed: ${response.status}`);
  return response.json();
}

/** The non-null branch of an Optional field, so bounds are found in one place. */
export function valueSchema(prop) {
  return prop.anyOf ? prop.anyOf.find((p) => p.type !== "null") : prop;
}

export function nullable(prop) {
  return !!prop.anyOf?.some((p) => p.type === "null");
}

export function renderDefaults(schema) {
  const out = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    out[key] = prop.default !== undefined ? prop.default : (prop.type === "array" ? [] : null);
  }
  return out;
}

function clampTo(item, n) {
  if (item.minimum !== undefined && n < item.minimum) return undefined;
  if (item.maximum !== undefined && n > item.maximum) return undefined;
  if (item.exclusiveMaximum !== undefined && n >= item.exclusiveMaximum) return undefined;
  return n;
}

function parseScalar(item, text) {
  if (item.type === "integer") {
    const n = Number(text);
    return Number.isInteger(n) ? clampTo(item, n) : undefined;
  }
  if (item.type === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? clampTo(item, n) : undefined;
  }
  if (item.type === "boolean") return text === "1" || text === "true";
  return String(text);
}

/** Text (from the hash) -> value of `prop`; undefined when invalid, so a bad link falls back to defaults. */
export function parseValue(prop, text) {
  if (nullable(prop) && (text === "" || text === "null")) return null;
  const item = valueSchema(prop);
  if (item.type !== "array") return parseScalar(item, text);
  const parts = text === "" ? [] : text.split(",");
  const items = item.prefixItems || parts.map(() => item.items);
  if (item.prefixItems && parts.length !== items.length) return undefined;
  const values = parts.map((part, i) => parseScalar(items[i], part));
  return values.includes(undefined) ? undefined : values;
}

export function formatValue(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => (typeof v === "number" ? +v.toFixed(4) : v)).join(",");
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" && !Number.isInteger(value)) return String(+value.toFixed(4));
  return String(value);
}

/** RenderParams from the hash: only `sg3.*` keys, only valid values. */
export function readHashParams(schema, hash = location.hash) {
  const out = {};
  for (const [key, text] of new URLSearchParams(hash.replace(/^#/, ""))) {
    if (!key.startsWith(HASH_PREFIX)) continue;
    const name = key.slice(HASH_PREFIX.length);
    const prop = schema.properties[name];
    if (!prop || !HASH_KEYS.includes(name)) continue;
    const value = parseValue(prop, text);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Write our keys into the hash, leaving every other key (the GAN Lab tab's) as it is.
 * Only values that differ from the defaults are written, so links stay short.
 */
export function writeHashParams(params, defaults) {
  const entries = new URLSearchParams(location.hash.replace(/^#/, ""));
  for (const key of [...entries.keys()]) if (key.startsWith(HASH_PREFIX)) entries.delete(key);
  for (const key of HASH_KEYS) {
    const text = formatValue(params[key]);
    if (text !== formatValue(defaults[key])) entries.set(HASH_PREFIX + key, text);
  }
  const hash = "#" + entries.toString();
  if (hash !== location.hash) history.replaceState(null, "", hash);
}

/** The request body for the server: every RenderParams key, in the server's names. */
export function requestParams(state, schema) {
  return Object.fromEntries(Object.keys(schema.properties).map((k) => [k, state[k]]).filter(([, v]) => v !== undefined));
}
