// Unit tests of the UI's pure modules, run by `node --test` (see tests/browser/test_js_units.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { PRGN_LUT, stretch } from "../../../ganlab/static/js/colors.js";
import { parseCsv } from "../../../ganlab/static/js/gan2d/csvupload.js";
import { decodeFrame } from "../../../ganlab/static/js/gan2d/frame.js";
import { decodePoints, encodePoints, formatHash, readHash } from "../../../ganlab/static/js/gan2d/hashstate.js";
import { coerce, isLogScale } from "../../../ganlab/static/js/schema.js";
import { formatEpoch } from "../../../ganlab/static/js/gan2d/transport.js";

function encode(header, arrays) {
  // Mirror of ganlab/server/frames.py, written independently for the test.
  let offset = 0;
  const specs = [];
  for (const [name, values, shape] of arrays) {
    specs.push({ name, shape, offset });
    offset += values.length * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, arrays: specs }));
  const start = 4 + json.length + ((4 - ((4 + json.length) % 4)) % 4);
  const buffer = new ArrayBuffer(start + offset);
  new DataView(buffer).setUint32(0, json.length, true);
  new Uint8Array(buffer, 4).set(json);
  for (const [i, [, values]] of arrays.entries()) new Float32Array(buffer, start + specs[i].offset, values.length).set(values);
  return buffer;
}

test("decodeFrame wraps aligned float32 views", () => {
  for (const pad of ["", "x", "xy", "xyz"]) {
    const buffer = encode({ run_id: 3, pad }, [["a", [1, 2, 3, 4], [2, 2]], ["b", [0.5], [1]]]);
    const { header, arrays } = decodeFrame(buffer);
    assert.equal(header.run_id, 3);
    assert.deepEqual(Array.from(arrays.a), [1, 2, 3, 4]);
    assert.deepEqual(arrays.a.shape, [2, 2]);
    assert.equal(arrays.b[0], 0.5);
    assert.equal(arrays.a.buffer, buffer, "no copy");
  }
});

const SCHEMA = {
  properties: {
    dataset: { $ref: "#/$defs/D", default: "gaussians" },
    d_lr: { type: "number", minimum: 1e-6, maximum: 10, default: 0.1 },
    d_steps: { type: "integer", minimum: 0, maximum: 20, default: 2 },
  },
  $defs: { D: { enum: ["gaussians", "ring"], type: "string" } },
};

test("the URL hash round-trips params, view toggles and hidden controls", () => {
  const hash = formatHash({ dataset: "ring", d_lr: 0.3, d_steps: 3 }, { layer_manifold: true, layer_real: true }, ["d_steps"]);
  assert.match(hash, /layer_manifold=true/);
  assert.doesNotMatch(hash, /layer_real/, "defaults stay out of the link");
  const back = readHash(SCHEMA, hash + "&bogus=1&d_steps=oops");
  assert.deepEqual(back.params, { dataset: "ring", d_lr: 0.3, d_steps: 3 }, "an invalid entry is ignored");
  assert.deepEqual(back.ui, { layer_manifold: true });
  assert.deepEqual(back.hidden, ["d_steps"]);
});

test("schema helpers", () => {
  assert.equal(isLogScale(SCHEMA.properties.d_lr), true);
  assert.equal(isLogScale(SCHEMA.properties.d_steps), false);
  assert.equal(coerce(SCHEMA.properties.d_steps, "2.5"), undefined);
  assert.equal(coerce({ enum: ["a"] }, "b"), undefined);
});

test("CSV parsing accepts a header and names a bad line", () => {
  assert.deepEqual(parseCsv("x,y\n1,2\n\n3;4\n"), [[1, 2], [3, 4]]);
  assert.throws(() => parseCsv("1,2\nthree,4"), /line 2/);
  assert.throws(() => parseCsv("x,y\n"), /no x,y rows/);
});

test("GAN Lab counter format and colour scale", () => {
  assert.equal(formatEpoch(1931), "001,931");
  assert.equal(formatEpoch(1234567), "1,234,567");
  assert.deepEqual(PRGN_LUT[0], [64, 0, 75]);
  assert.deepEqual(PRGN_LUT[255], [0, 68, 27]);
  assert.equal(stretch(0.5), 0.5);
  assert.ok(stretch(0.6) > 0.6 && stretch(0.4) < 0.4);
});

test("drawn points survive the link to 1/65535", () => {
  const points = [[0, 1], [0.25, 0.5], [0.123456, 0.987654]];
  const text = encodePoints(points);
  assert.match(text, /^[A-Za-z0-9_-]+$/, "URL-safe");
  decodePoints(text).forEach(([x, y], i) => {
    assert.ok(Math.abs(x - points[i][0]) < 1e-4 && Math.abs(y - points[i][1]) < 1e-4);
  });
  const hash = formatHash({ dataset: "drawn" }, {}, [], points);
  assert.equal(readHash({ properties: {} }, hash).points.length, 3);
  assert.equal(decodePoints("%%%"), null);
});
