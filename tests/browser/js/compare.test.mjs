// Unit tests of compare mode's pure spec module, run by `node --test` (tests/browser/test_js_units.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  compareFromHash, defaultValues, formatCompare, hashWithCompare, knobProperty, parseCompare, parseValues,
} from "../../../ganlab/static/js/compare/variants.js";

// A slice of the TrainParams schema, in the shape /api/gan2d/schema serves it.
const SCHEMA = {
  properties: {
    g_lr: { type: "number", default: 0.03, minimum: 1e-6, maximum: 10 },
    d_steps: { type: "integer", default: 2, minimum: 0, maximum: 20 },
    g_width: { type: "integer", default: 8, minimum: 1, maximum: 512 },
    real_weight: { type: "number", default: 0.95, minimum: 0, maximum: 1 },
    noise_type: { type: "string", default: "gaussian", enum: ["uniform", "gaussian"] },
    activation: { type: "string", default: "relu", enum: ["relu", "leaky_relu", "tanh", "elu", "selu"] },
  },
};
const prop = (key) => knobProperty(SCHEMA, key);

test("the classic studies are pre-filled", () => {
  assert.deepEqual(defaultValues(prop("g_lr")), [1e-4, 1e-3, 1e-2]);
  assert.deepEqual(defaultValues(prop("d_steps")), [1, 2, 3, 5]);
  assert.deepEqual(defaultValues(prop("noise_type")), ["uniform", "gaussian"]);
  const noise4 = { key: "noise_type", type: "string", enum: ["uniform", "gaussian", "normal", "uniform_centered"] };
  assert.deepEqual(defaultValues(noise4), noise4.enum, "every noise type the schema offers is compared");
});

test("other knobs get 2-4 values within their bounds", () => {
  for (const key of ["g_width", "real_weight", "activation"]) {
    const values = defaultValues(prop(key));
    assert.ok(values.length >= 2 && values.length <= 4, `${key}: ${values}`);
    const p = prop(key);
    if (!p.enum) assert.ok(values.every((v) => v >= p.minimum && v <= p.maximum), `${key}: ${values}`);
  }
  assert.deepEqual(defaultValues(prop("activation")), ["relu", "leaky_relu", "tanh", "elu"]);
});

test("parseValues types values and names the field in errors", () => {
  assert.deepEqual(parseValues(prop("d_steps"), " 1, 2 ,5"), { values: [1, 2, 5] });
  assert.match(parseValues(prop("d_steps"), "1, 2.5").error, /^d_steps: '2.5' is not an integer/);
  assert.match(parseValues(prop("noise_type"), "uniform, cauchy").error, /^noise_type: 'cauchy' is not one of uniform, gaussian/);
  assert.match(parseValues(prop("g_lr"), "0.1").error, /^g_lr: give 2 to 4 values/);
  assert.match(parseValues(prop("g_lr"), "1,2,3,4,5").error, /got 5/);
  // Bounds are the server's to check: its message carries the allowed range.
  assert.deepEqual(parseValues(prop("g_lr"), "0.001, 50"), { values: [0.001, 50] });
});

test("the compare hash entry round-trips and keeps the other entries", () => {
  const spec = parseCompare(SCHEMA, "g_lr:0.0001,0.001,0.01");
  assert.deepEqual(spec, { knob: "g_lr", values: [1e-4, 1e-3, 1e-2] });
  assert.equal(formatCompare(spec), "g_lr:0.0001,0.001,0.01");
  assert.match(parseCompare(SCHEMA, "zz:1,2").error, /'zz' is not a TrainParams key/);
  const hash = hashWithCompare("#dataset=ring&sg3.seed=4", formatCompare(spec));
  assert.equal(hash, "#dataset=ring&sg3.seed=4&compare=g_lr:0.0001,0.001,0.01");
  assert.equal(compareFromHash(hash), "g_lr:0.0001,0.001,0.01");
  assert.equal(compareFromHash("#compare=g_lr%3A0.001%2C0.01"), "g_lr:0.001,0.01", "an encoded link reads the same");
  assert.equal(hashWithCompare(hash, null), "#dataset=ring&sg3.seed=4");
});
