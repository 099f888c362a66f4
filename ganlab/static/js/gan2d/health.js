/**
 * Failure explained: a run can fail without a NaN, and then the plot is empty or frozen and
 * the charts are flat. This watches the frames for the three silent failures, and says in
 * the banner what happened and what to try (a button applies the suggestion and resets):
 * - every fake has left the view (a linear G that ran away);
 * - G is saturated: its tanh output is pinned to the edges of the view box;
 * - G gets no gradient: ∇D is zero at every fake, so the fakes cannot move (D is saturated,
 *   or G's ReLUs died), e.g. d_lr = g_lr = 10 with Adam.
 */

import { offViewSummary } from "./offview.js";

const PERSIST_FRAMES = 3; // a condition must hold this many frames in a row (not a passing blip)
const MIN_EPOCH = 5; // an untrained run is not a failed one
const EDGE = 0.005; // "on the edge": within 0.5% of the box side
const SATURATED = 0.9; // fraction of fakes on the edge that counts as saturated
const NO_GRADIENT = 1e-6;

/** Safe learning rates per optimizer (GAN Lab's SGD defaults; the usual Adam/RMSprop ones). */
const SAFE_LR = { sgd: { d_lr: 0.1, g_lr: 0.03 }, adam: { d_lr: 0.001, g_lr: 0.001 }, rmsprop: { d_lr: 0.001, g_lr: 0.001 } };

function edgeFraction(fake, [x0, x1, y0, y1]) {
  let n = 0;
  for (let k = 0; k < fake.length / 2; k++) {
    const x = (fake[2 * k] - x0) / (x1 - x0), y = (fake[2 * k + 1] - y0) / (y1 - y0);
    if (Math.min(Math.abs(x), Math.abs(1 - x), Math.abs(y), Math.abs(1 - y)) < EDGE) n++;
  }
  return n / Math.max(1, fake.length / 2);
}

function largestGradient(grads) {
  let m = 0;
  for (let i = 0; i < grads.length; i++) m = Math.max(m, Math.abs(grads[i]));
  return m;
}

/** The silent failure a frame shows, as {kind, what}, or null for a healthy frame. */
export function diagnose(frame) {
  const { header, arrays } = frame;
  if (header.epoch < MIN_EPOCH || !arrays.fake?.length) return null;
  const off = offViewSummary(arrays.fake, header.view_box);
  if (off.out === off.total) return { kind: "offview", what: `every fake sample (all ${off.total}) has left the view` };
  const edge = edgeFraction(arrays.fake, header.view_box);
  if (edge >= SATURATED) {
    return { kind: "saturated", what: `the generator is saturated: ${Math.round(100 * edge)}% of its fakes are pinned to the edges of the view (its tanh output is stuck at ±1)` };
  }
  if (largestGradient(arrays.gradients) < NO_GRADIENT) {
    return { kind: "no_gradient", what: "the generator gets no gradient: ∇D is zero at every fake sample, so the fakes cannot move (D is saturated, or G's ReLUs died)" };
  }
  return null;
}

/** The suggested fix for `params`: {patch, text}; the patch lowers learning rates that are too high. */
export function suggestFix(params) {
  const patch = {};
  for (const key of ["d_lr", "g_lr"]) {
    const optimizer = params[`${key[0]}_optimizer`];
    const safe = (SAFE_LR[optimizer] || SAFE_LR.sgd)[key];
    if (params[key] > safe) patch[key] = safe;
  }
  const keys = Object.keys(patch);
  if (!keys.length) return { patch, text: "Press Reset to start from fresh weights; if it happens again, try another loss or seed." };
  const was = keys.map((k) => `${k} = ${params[k]}`).join(", ");
  const now = keys.map((k) => `${k} = ${patch[k]}`).join(", ");
  return { patch, text: `The learning rates are too high for ${params.d_optimizer}/${params.g_optimizer} (${was}): try ${now} and reset.` };
}

/**
 * Watch frames; `check(frame, params)` after each new frame shows or hides the banner.
 * `banner` is transport.js's banner; `send` talks to the session.
 */
export function createHealthWatch(banner, send) {
  let streak = 0;
  let shown = null;
  let runId = null;
  let last = null;
  return {
    check(frame, params, runState) {
      if (frame === last) return null; // a repaint of the same frame is no new evidence
      last = frame;
      if (frame.header.run_id !== runId) { runId = frame.header.run_id; streak = 0; }
      const problem = runState === "diverged" ? null : diagnose(frame);
      streak = problem ? streak + 1 : 0;
      if (problem && streak >= PERSIST_FRAMES && shown !== problem.kind) {
        shown = problem.kind;
        const fix = suggestFix(params);
        const apply = () => {
          if (Object.keys(fix.patch).length) send({ type: "set", params: fix.patch });
          send({ type: "reset" });
        };
        const label = Object.keys(fix.patch).length ? "Apply and reset" : "⟲ Reset";
        banner.show(`Training has stalled: ${problem.what}. ${fix.text}`, { kind: "warn", source: "health", actions: [{ text: label, id: "btn-health-fix", onClick: apply }] });
      } else if (!problem && shown) {
        shown = null;
        banner.hide("health");
      }
      return problem;
    },
    current: () => shown,
  };
}
