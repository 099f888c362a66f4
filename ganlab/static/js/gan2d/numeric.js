/**
 * Slider scales for numeric knobs, without any DOM. A log-scale knob (a learning rate) moves
 * in 1–2–5 steps per decade, so every slider position is a value a person would type; a
 * linear knob moves in a round step. The number box beside each slider holds the exact value.
 */

const MANTISSAS = [1, 2, 5];
const LINEAR_POSITIONS = 100; // about this many slider positions on a linear scale

/** Parse a decimal from its text so 2e-3 is exactly the double nearest 0.002. */
const decimal = (mantissa, exponent) => Number(`${mantissa}e${exponent}`);

/** The 1–2–5 values from `min` to `max` (both ends included even when they are not on the ladder). */
export function ladder(min, max) {
  const values = [min];
  for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of MANTISSAS) {
      const v = decimal(m, e);
      if (v > min * (1 + 1e-9) && v < max * (1 - 1e-9)) values.push(v);
    }
  }
  values.push(max);
  return values;
}

/** Index of the ladder value nearest `value` in log space (for values typed off the ladder). */
export function nearestIndex(values, value) {
  if (!(value > 0)) return 0;
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if (Math.abs(Math.log(values[i] / value)) < Math.abs(Math.log(values[best] / value))) best = i;
  }
  return best;
}

/** A round step (1, 2 or 5 times a power of ten) giving about LINEAR_POSITIONS positions. */
export function linearStep(min, max) {
  const raw = (max - min) / LINEAR_POSITIONS;
  const e = Math.floor(Math.log10(raw));
  const m = MANTISSAS.find((k) => decimal(k, e) >= raw * (1 - 1e-9)) ?? 10;
  return decimal(m, e);
}

/** `value` snapped to `min + k·step`, printed without float noise (0.30000000000000004 → 0.3). */
export function snap(value, min, step) {
  const k = Math.round((value - min) / step);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((min + k * step).toFixed(Math.min(digits, 12)));
}

/**
 * The scale of a slider for a schema property, or null for a knob that gets a number box only
 * (unbounded, or an integer range too wide for a slider to be precise).
 * Returns {kind, positions, toValue(position), toPosition(value)}.
 */
export function sliderScale(prop, { logScale, maxIntegerSpan = 600 }) {
  const { minimum: min, maximum: max } = prop;
  if (min === undefined || max === undefined) return null;
  if (prop.type === "number" && logScale) {
    const values = ladder(min, max);
    return { kind: "log", positions: values.length - 1, toValue: (i) => values[i], toPosition: (v) => nearestIndex(values, v) };
  }
  if (prop.type === "integer") {
    if (max - min > maxIntegerSpan) return null;
    return { kind: "integer", positions: max - min, toValue: (i) => min + i, toPosition: (v) => Math.round(v - min) };
  }
  const step = linearStep(min, max);
  const positions = Math.floor((max - min) / step + 1e-9);
  return {
    kind: "linear", positions,
    toValue: (i) => snap(min + i * step, min, step),
    toPosition: (v) => Math.min(positions, Math.max(0, Math.round((v - min) / step))),
  };
}
