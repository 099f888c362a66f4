// Unit tests of the StyleGAN3 tab's pure modules, run by `node --test` (tests/browser/test_js_units.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeImageFrame } from "../../../ganlab/static/js/stylegan3/connection.js";
import { trimAmounts } from "../../../ganlab/static/js/stylegan3/directions.js";
import { formatBytes, formatSeconds, progressFraction, progressLine } from "../../../ganlab/static/js/stylegan3/downloadtext.js";
import { moveLatent } from "../../../ganlab/static/js/stylegan3/latent.js";
import { presetRanges } from "../../../ganlab/static/js/stylegan3/mixing.js";
import { formatValue, parseValue, readHashParams, renderDefaults } from "../../../ganlab/static/js/stylegan3/params.js";
import { renderFraction } from "../../../ganlab/static/js/stylegan3/tab.js";
import { createRateMeter } from "../../../ganlab/static/js/stylegan3/viewer.js";

// The parts of GET /api/stylegan3/schema these tests need, in pydantic's shapes.
const SCHEMA = {
  properties: {
    model: { type: "string", default: "demo" },
    seed: { type: "integer", minimum: 0, maximum: 4294967295, default: 0 },
    seed_offset: { type: "array", default: [0, 0], prefixItems: [
      { type: "number", minimum: 0, maximum: 1 }, { type: "number", minimum: 0, maximum: 1 }] },
    truncation_psi: { type: "number", minimum: -1, maximum: 2, default: 1 },
    truncation_cutoff: { anyOf: [{ type: "integer", minimum: 0, maximum: 64 }, { type: "null" }], default: null },
    mix_ws: { type: "array", items: { type: "integer", minimum: 0, exclusiveMaximum: 64 } },
    layer_rgb: { type: "boolean", default: false },
    edit_amounts: { type: "array", items: { type: "number", minimum: -20, maximum: 20 } },
    edit_layers: { type: "string", enum: ["all", "coarse", "middle", "fine", "custom"], default: "all" },
  },
};

test("a latent edit travels in the link: amounts per direction and the range of ws", () => {
  const got = readHashParams(SCHEMA, "#sg3.edit_amounts=0,2.5,-1&sg3.edit_layers=fine");
  assert.deepEqual(got, { edit_amounts: [0, 2.5, -1], edit_layers: "fine" });
  assert.equal(readHashParams(SCHEMA, "#sg3.edit_amounts=0,30").edit_amounts, undefined); // out of bounds
  assert.deepEqual(trimAmounts([0, 1.5, 0, 0]), [0, 1.5]);
  assert.deepEqual(trimAmounts([0, 0]), []);
});

test("hash values parse within the schema's bounds", () => {
  const p = SCHEMA.properties;
  assert.equal(parseValue(p.truncation_psi, "0.7"), 0.7);
  assert.equal(parseValue(p.truncation_psi, "3"), undefined);
  assert.equal(parseValue(p.seed, "1.5"), undefined);
  assert.deepEqual(parseValue(p.seed_offset, "0.25,0.5"), [0.25, 0.5]);
  assert.equal(parseValue(p.seed_offset, "0.25"), undefined);
  assert.equal(parseValue(p.truncation_cutoff, ""), null);
  assert.deepEqual(parseValue(p.mix_ws, "8,9,10"), [8, 9, 10]);
  assert.equal(parseValue(p.mix_ws, "8,64"), undefined);
  assert.equal(parseValue(p.layer_rgb, "1"), true);
  assert.equal(formatValue([0.123456, 1]), "0.1235,1");
  assert.equal(formatValue(true), "1");
});

test("only sg3.* keys are read from the hash, others are left to their tab", () => {
  const got = readHashParams(SCHEMA, "#seed=9&dataset=ring&sg3.seed=42&sg3.truncation_psi=0.5&sg3.bogus=1&sg3.seed_offset=2,0");
  assert.deepEqual(got, { seed: 42, truncation_psi: 0.5 });
  assert.deepEqual(renderDefaults(SCHEMA).mix_ws, []);
});

test("the latent pad carries whole steps: x by 1 seed, y by 100", () => {
  assert.deepEqual(moveLatent(5, [0.75, 0], 0.5, 0), { seed: 6, seed_offset: [0.25, 0] });
  assert.deepEqual(moveLatent(5, [0, 0.5], 0, 0.75), { seed: 105, seed_offset: [0, 0.25] });
  assert.deepEqual(moveLatent(5, [0.25, 0], -0.5, 0), { seed: 4, seed_offset: [0.75, 0] });
  assert.deepEqual(moveLatent(0, [0, 0], -1, 0), { seed: 0, seed_offset: [0, 0] });
});

test("mixing presets split the ws into coarse, middle and fine thirds", () => {
  assert.deepEqual(presetRanges(16), { coarse: [0, 5], middle: [5, 11], fine: [11, 16] });
});

test("image frames split into header and JPEG bytes", async () => {
  const head = new TextEncoder().encode(JSON.stringify({ id: 3, render_ms: 12.5 }));
  const buffer = new ArrayBuffer(4 + head.length + 3);
  new DataView(buffer).setUint32(0, head.length, true);
  new Uint8Array(buffer, 4).set(head);
  new Uint8Array(buffer, 4 + head.length).set([0xff, 0xd8, 0xff]);
  const { header, blob } = decodeImageFrame(buffer);
  assert.equal(header.id, 3);
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0xff, 0xd8, 0xff]);
});

test("the frame-rate meter counts arrivals over its window", () => {
  const meter = createRateMeter(1000);
  for (const t of [0, 250, 500, 750, 1000]) meter.tick(t);
  assert.equal(meter.rate(1000), 4);
  assert.equal(meter.rate(5000), 0);
});

test("download progress reads like the CLI: bytes, percent, rate, time left", () => {
  assert.equal(formatBytes(283e6), "283 MB");
  assert.equal(formatBytes(12_345_678), "12.3 MB");
  assert.equal(formatBytes(1.5e9), "1.5 GB");
  assert.equal(formatSeconds(75), "1 min 15 s");
  assert.equal(formatSeconds(8.2), "8 s");
  const running = { state: "downloading", phase: "downloading", done: 12.3e6, total: 283e6, total_known: true,
    rate_bps: 5.1e6, eta_s: 53 };
  assert.equal(progressLine(running), "12.3 MB of 283 MB · 4% · 5.1 MB/s · 53 s left");
  assert.ok(Math.abs(progressFraction(running) - 12.3 / 283) < 1e-9);
  const unknown = { ...running, total: 283e6, total_known: false, eta_s: null };
  assert.equal(progressLine(unknown), "12.3 MB · 5.1 MB/s");
  assert.equal(progressFraction(unknown), null); // an indeterminate bar, not a made-up percentage
  assert.match(progressLine({ ...running, phase: "checking" }), /safe loader/);
});

test("render progress weighs the large late layers more than the early ones", () => {
  const layers = [{ size: 36, channels: 512 }, { size: 36, channels: 512 }, { size: 148, channels: 256 },
    { size: 256, channels: 3 }];
  assert.equal(renderFraction(layers, 0), 0);
  assert.equal(renderFraction(layers, 4), 1);
  const early = renderFraction(layers, 2);
  assert.ok(early > 0 && early < 0.2, String(early)); // 1 of 3 layers started, but a small share of the work
  assert.equal(renderFraction([], 1), null);
});
