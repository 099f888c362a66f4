/**
 * The TrainParams schema from the server, and the helpers every control builder shares.
 * Nothing about individual parameters is written here: it all comes from the schema.
 */

export async function fetchSchema() {
  const response = await fetch("api/gan2d/schema");
  if (!response.ok) throw new Error(`schema request failed: ${response.status}`);
  return response.json();
}

/** Property list in declaration order, each with its key. */
export function properties(schema) {
  return Object.entries(schema.properties).map(([key, prop]) => ({ key, ...resolve(schema, prop) }));
}

/** Inline a `$ref`/`allOf` enum definition, as pydantic emits for Literal aliases. */
function resolve(schema, prop) {
  const ref = prop.$ref || (prop.allOf && prop.allOf[0] && prop.allOf[0].$ref);
  if (!ref) return prop;
  const name = ref.split("/").pop();
  return { ...(schema.$defs || {})[name], ...prop };
}

export function defaults(schema) {
  return Object.fromEntries(properties(schema).map((p) => [p.key, p.default]));
}

/** A learning rate-like range spanning 3+ decades is easier to set on a log slider. */
export function isLogScale(prop) {
  return prop.type === "number" && prop.minimum > 0 && prop.maximum / prop.minimum >= 1000;
}

/** Parse a string (from the URL hash or an input) into the property's type; undefined if invalid. */
export function coerce(prop, text) {
  // Number("") and Number(" ") are 0: an empty value is no number at all.
  if (prop.type === "integer") {
    const n = String(text).trim() === "" ? NaN : Number(text);
    return Number.isInteger(n) ? n : undefined;
  }
  if (prop.type === "number") {
    const n = String(text).trim() === "" ? NaN : Number(text);
    return Number.isFinite(n) ? n : undefined;
  }
  if (prop.type === "boolean") {
    if (text === true || text === "true" || text === "1") return true;
    return text === false || text === "false" || text === "0" ? false : undefined;
  }
  if (prop.enum) return prop.enum.includes(text) ? text : undefined;
  return String(text);
}

export function datasetInfo(schema, id) {
  return (schema.datasets || []).find((d) => d.id === id) || { id, label: id, mixture: false };
}

/**
 * Parse and check one value against its property (type, enum, bounds). Returns {value} or
 * {error} with the reason in words, e.g. "not a number" or "above the maximum 10".
 */
export function checkValue(prop, text) {
  const value = coerce(prop, text);
  if (value === undefined) {
    if (prop.enum) return { error: `not one of ${prop.enum.join(", ")}` };
    return { error: prop.type === "integer" ? "not a whole number" : prop.type === "number" ? "not a number" : "not valid" };
  }
  if (typeof value === "number") {
    if (prop.minimum !== undefined && value < prop.minimum) return { error: `below the minimum ${prop.minimum}` };
    if (prop.maximum !== undefined && value > prop.maximum) return { error: `above the maximum ${prop.maximum}` };
  }
  return { value };
}
