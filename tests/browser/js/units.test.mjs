// Unit tests of the UI's pure modules, run by `node --test` (see tests/browser/test_js_units.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { PRGN_LUT, stretch } from "../../../ganlab/static/js/colors.js";
import { arrowCap, arrowScale, arrowVector } from "../../../ganlab/static/js/gan2d/distview.js";
import { parseCsv, parseCsvRows } from "../../../ganlab/static/js/gan2d/csv.js";
import { decodeFrame } from "../../../ganlab/static/js/gan2d/frame.js";
import { decodePoints, describeRejected, encodePoints, formatHash, readHash } from "../../../ganlab/static/js/gan2d/hashstate.js";
import { diagnose, suggestFix } from "../../../ganlab/static/js/gan2d/health.js";
import { ladder, linearStep, sliderScale } from "../../../ganlab/static/js/gan2d/numeric.js";
import { offViewSummary } from "../../../ganlab/static/js/gan2d/offview.js";
import { describePace, frameNote, paceValue, rateText, speedCommand } from "../../../ganlab/static/js/gan2d/pace.js";
import { checkValue, coerce, isLogScale } from "../../../ganlab/static/js/schema.js";
import { formatEpoch } from "../../../ganlab/static/js/gan2d/transport.js";
import { inapplicableReason } from "../../../ganlab/static/js/gan2d/controls.js";
import { paramChanges } from "../../../ganlab/static/js/gan2d/notebook/journal.js";
import { notebookHtml } from "../../../ganlab/static/js/gan2d/notebook/export.js";

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
  const back = readHash(SCHEMA, hash);
  assert.deepEqual(back.params, { dataset: "ring", d_lr: 0.3, d_steps: 3 });
  assert.deepEqual(back.ui, { layer_manifold: true });
  assert.deepEqual(back.hidden, ["d_steps"]);
  assert.deepEqual(back.rejected, []);
  assert.equal(readHash(SCHEMA, "#d_lr=0.001").params.d_lr, 0.001, "exactly what was typed");
});

test("a link lists every entry it could not use, unparsable ones included", () => {
  const back = readHash(SCHEMA, "#d_lr=abc&dataset=nope&d_steps=2.5&d_lr=50&bogus=1&layer_real=maybe&sg3.seed=4&compare=g_lr:1,2&d_steps=3");
  assert.deepEqual(back.params, { d_steps: 3 }, "only the usable values are kept");
  assert.deepEqual(back.rejected.map((r) => r.key), ["d_lr", "dataset", "d_steps", "d_lr", "bogus", "layer_real"]);
  assert.match(back.rejected[0].reason, /not a number/);
  assert.match(back.rejected[1].reason, /not one of gaussians, ring/);
  assert.match(back.rejected[3].reason, /above the maximum 10/);
  const text = describeRejected(back.rejected);
  for (const bit of ["d_lr=abc", "dataset=nope", "bogus=1", "6 values"]) assert.ok(text.includes(bit), `${bit} in ${text}`);
  assert.equal(describeRejected([]), null);
});

test("schema helpers", () => {
  assert.equal(isLogScale(SCHEMA.properties.d_lr), true);
  assert.equal(isLogScale(SCHEMA.properties.d_steps), false);
  assert.equal(coerce(SCHEMA.properties.d_steps, "2.5"), undefined);
  assert.equal(coerce(SCHEMA.properties.d_steps, ""), undefined, "an empty value is no number");
  assert.equal(coerce({ enum: ["a"] }, "b"), undefined);
  assert.equal(coerce({ type: "boolean" }, "maybe"), undefined);
  assert.deepEqual(checkValue(SCHEMA.properties.d_lr, "0.001"), { value: 0.001 });
  assert.match(checkValue(SCHEMA.properties.d_lr, "1e-9").error, /below the minimum/);
});

test("log sliders move in 1-2-5 steps and every position is an exact decimal", () => {
  const values = ladder(1e-6, 10);
  assert.equal(values.length, 22);
  assert.deepEqual(values.slice(9, 13), [0.001, 0.002, 0.005, 0.01]);
  for (const v of values) assert.equal(v, Number(v.toPrecision(1)), `${v} is a round value`);
  const scale = sliderScale(SCHEMA.properties.d_lr, { logScale: true });
  assert.equal(scale.toValue(scale.toPosition(0.001)), 0.001);
  assert.equal(scale.toValue(scale.toPosition(0.03)), 0.02, "off-ladder values sit on the nearest position");
  assert.equal(linearStep(0, 0.999), 0.01);
  const beta = sliderScale({ type: "number", minimum: 0, maximum: 0.999 }, { logScale: false });
  assert.equal(beta.toValue(30), 0.3, "no float noise");
  assert.equal(sliderScale({ type: "integer", minimum: 1, maximum: 4096 }, { logScale: false }), null, "a box only");
});

test("knobs that do not apply say why", () => {
  const beta = { key: "g_beta1", title: "G β1", "x-applies-when": { key: "g_optimizer", values: ["adam"] } };
  assert.equal(inapplicableReason(beta, { g_optimizer: "adam" }), null);
  assert.match(inapplicableReason(beta, { g_optimizer: "sgd" }, () => "G optimizer"), /No effect with G optimizer = sgd.*only when G optimizer is adam/);
});

test("CSV parsing: delimiters, quotes, headers, the app's samples file, and named bad lines", () => {
  assert.deepEqual(parseCsv("x,y\n1,2\n\n3;4\n"), [[1, 2], [3, 4]]);
  assert.deepEqual(parseCsv(" 0.5 0.7\n0.6\t0.8\n"), [[0.5, 0.7], [0.6, 0.8]], "spaces separate fields");
  assert.deepEqual(parseCsv('"0.5","0.7"\n" 1 ", 2'), [[0.5, 0.7], [1, 2]], "quoted values");
  assert.deepEqual(parseCsv("y,x\n1,2"), [[2, 1]], "columns by header name");
  const samples = parseCsvRows("kind,x,y,d\nreal,0.1,0.2,0.5\nfake,9,9,0.1\nreal,0.3,0.4,0.6\n");
  assert.deepEqual(samples.points, [[0.1, 0.2], [0.3, 0.4]]);
  assert.deepEqual(samples.lines, [2, 4]);
  assert.equal(samples.skipped, 1);
  assert.throws(() => parseCsv("0.5,\n"), /line 1: the y value is empty/);
  assert.throws(() => parseCsv("x,y\n0.5\n"), /line 2: no y value/);
  assert.throws(() => parseCsv("1,2\nthree,4"), /line 2: the x value "three" is not a number/);
  assert.throws(() => parseCsv('x,y\n"1,2'), /line 2: a quote is not closed/);
  assert.throws(() => parseCsv("x,y\n"), /no x,y rows/);
  assert.throws(() => parseCsv("kind,x,y\nfake,1,2"), /no rows of kind "real"/);
});

test("CSV points far outside the rest are refused, naming the line", () => {
  const rows = Array.from({ length: 50 }, (_, i) => `${(i % 10) / 10},${Math.floor(i / 10) / 5}`);
  assert.equal(parseCsv(rows.join("\n")).length, 50);
  rows.splice(20, 0, "1000,0.5");
  assert.throws(() => parseCsv(rows.join("\n")), /line 21: \(1000, 0.5\) lies far outside/);
  assert.throws(() => parseCsv("1e6,1e6\n1e6,1000001\n1000002,1e6"), /subtract their mean/);
});

test("arrows: GAN Lab's 0.15·∇D, shortened alike when the longest would pass a tenth of the view", () => {
  assert.equal(arrowScale([0.1, 0, 0, 0.2], [0, 1, 0, 1]), 0.15);
  const scale = arrowScale([50, 0, 0, 5], [0, 1, 0, 1]);
  assert.ok(Math.abs(scale * 50 - 0.1) < 1e-12, "the longest is a tenth of the side");
  assert.ok(Math.abs(arrowScale([50, 0], [-5, 5, -5, 5]) * 50 - 1) < 1e-12);
});

test("arrows: one runaway fake neither shrinks the others to nothing nor crosses the plot", () => {
  const grads = [];
  for (let k = 0; k < 99; k++) grads.push(1, 0);
  grads.push(0, 1000); // one fake far out, with a huge gradient
  const box = [0, 1, 0, 1], scale = arrowScale(grads, box), cap = arrowCap(box);
  assert.ok(Math.abs(Math.hypot(...arrowVector(1, 0, scale, cap)) - 0.1) < 1e-12, "typical arrows stay a tenth");
  const outlier = arrowVector(0, 1000, scale, cap);
  assert.ok(Math.abs(Math.hypot(...outlier) - cap) < 1e-12 && outlier[0] === 0 && outlier[1] > 0, "cut, same way");
});

test("off-view fakes are counted per edge they left by", () => {
  const summary = offViewSummary([0.5, 0.5, -1, 0.5, 2, 0.4, 0.5, 3, 5, 1.2], [0, 1, 0, 1]);
  assert.deepEqual(summary, { total: 5, out: 4, sides: { left: 1, right: 2, bottom: 0, top: 1 } });
});

test("the pace control's words and commands", () => {
  assert.equal(paceValue(100, false), "100");
  assert.equal(paceValue(0, false), "0");
  assert.equal(paceValue(100, true), "slow");
  assert.equal(describePace(null, true, 3), "slow motion: 1 optimizer step every 0.67 s");
  assert.deepEqual(speedCommand({ max_epochs_per_s: 100, slow_motion: true }), { type: "speed", max_epochs_per_s: null, slow_motion: true });
  assert.deepEqual(speedCommand({ max_epochs_per_s: 0, slow_motion: false }), { type: "speed", max_epochs_per_s: null, slow_motion: false });
});

test("silent failures are diagnosed, with a fix that lowers what is too high", () => {
  const frame = (fake, gradients, epoch = 50) => ({ header: { epoch, view_box: [0, 1, 0, 1] }, arrays: { fake, gradients } });
  assert.equal(diagnose(frame([0.5, 0.5, 0.2, 0.3], [0.1, 0, 0, 0.1])), null);
  assert.equal(diagnose(frame([5, 5, -3, 0.5], [0.1, 0, 0, 0.1])).kind, "offview");
  assert.equal(diagnose(frame([0, 0.5, 1, 0.3], [0.1, 0, 0, 0.1])).kind, "saturated");
  assert.equal(diagnose(frame([0.4, 0.5, 0.6, 0.3], [0, 0, 0, 0])).kind, "no_gradient");
  assert.equal(diagnose(frame([5, 5], [0, 0], 0)), null, "an untrained run is not a failure");
  const fix = suggestFix({ d_lr: 10, g_lr: 10, d_optimizer: "adam", g_optimizer: "adam" });
  assert.deepEqual(fix.patch, { d_lr: 0.001, g_lr: 0.001 });
  assert.match(fix.text, /d_lr = 10, g_lr = 10/);
});

test("the notebook logs changes and exports one self-contained HTML file", () => {
  assert.deepEqual(paramChanges({ a: 1, b: 2 }, { a: 1, b: 3 }), [{ key: "b", from: 2, to: 3 }]);
  const png = "data:image/png;base64,iVBORw0KGgo=";
  const html = notebookHtml({
    snapshots: [{ png, epoch: 1200, step: 3600, losses: { d_loss: 1.3 }, metrics: { js: 0.12 }, params: { d_lr: 0.01, dataset: "ring" }, note: "<b>ring</b> converged", at: "2026-01-01T00:00:00Z" }],
    changes: [{ key: "d_lr", from: 0.1, to: 0.01, epoch: 800, step: 2400, rebuilt: false }],
  }, [{ epoch: 0, d_loss: 1.4, g_loss: 0.7, kl: 2, js: 0.5 }, { epoch: 1200, d_loss: 1.3, g_loss: 0.7, kl: 1, js: 0.12 }], { d_lr: 0.1, dataset: "ring" });
  assert.ok(html.includes(`src="${png}"`), "the snapshot's PNG is inline");
  assert.ok(html.includes("&lt;b&gt;ring&lt;/b&gt; converged"), "notes are escaped");
  assert.match(html, /<td>800<\/td><td><code>d_lr<\/code><\/td><td>0.1<\/td><td>0.01<\/td>/);
  assert.equal((html.match(/<svg/g) || []).length, 2, "two charts");
  assert.doesNotMatch(html, /<script|src="http|href="http/, "nothing external, nothing to run");
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

test("the frame note shows a lowered frame rate, and why, only while it is in force", () => {
  const run = { state: "playing", epochs_per_s: 74.6, step: 900, max_epochs_per_s: 100, slow_motion: false };
  assert.equal(frameNote(run), null);
  const shared = { ...run, frame_hz: 21, frame_hz_reason: "20 sessions share one training process: fewer frames each keep their training fast" };
  assert.deepEqual(frameNote(shared), { text: "21 frames/s · shared server", title: shared.frame_hz_reason });
  assert.equal(frameNote({ ...shared, state: "paused" }), null);
  assert.equal(frameNote({ ...shared, frame_hz: 30, frame_hz_reason: null }), null);
  assert.equal(rateText(shared, { d_steps: 2, g_steps: 1 }), "75 epochs/s (CPU-bound; asked 100) · step 900");
});
