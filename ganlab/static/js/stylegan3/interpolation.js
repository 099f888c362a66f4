/**
 * Latent interpolation: frames moving in W from the current seed to a second one, rendered
 * once (streamed frame by frame) and then played back and forth at a chosen rate.
 */

import { button, el, intBox, section, slider } from "./widgets.js";

const SEED_MAX = 2 ** 32 - 1;

export function createInterpolation({ get, request, animator, maxFrames }) {
  let toSeed = 1;
  let steps = 8;
  let fps = 6;
  const target = intBox({ label: "To seed", min: 0, max: SEED_MAX, value: toSeed, name: "interp_seed",
    onChange: (v) => { toSeed = v; } });
  const stepSlider = slider({ label: "Frames", min: 2, max: maxFrames, step: 1, value: steps, name: "interp_steps",
    onInput: (v) => { steps = v; } });
  const fpsSlider = slider({ label: "Play fps", min: 1, max: 30, step: 1, value: fps, name: "interp_fps",
    onInput: (v) => { fps = v; } });
  const canvas = el("canvas", { className: "sg3-interp", width: 128, height: 128, hidden: true });
  canvas.dataset.role = "sg3-interp";
  const note = el("span", { className: "sg3-hint" });
  const bar = el("progress", { className: "sg3-job-bar", max: 1, value: 0, hidden: true });
  let bitmaps = [];
  let clock = 0;
  let status = ""; // set by `done`; frames decode asynchronously and must not overwrite it
  let expected = 0; // frames asked for by the last request

  function play() {
    clock = 0;
    animator.start("interp", (dt) => {
      if (bitmaps.length < 2) return;
      clock += dt * fps;
      const period = 2 * (bitmaps.length - 1); // there and back again
      const k = Math.floor(clock) % period;
      const bitmap = bitmaps[k < bitmaps.length ? k : period - k];
      if (!bitmap) return;
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
    });
  }

  function stop() { animator.stop("interp"); }

  const render = button("Render & play", () => {
    stop();
    bitmaps.forEach((b) => b?.close());
    bitmaps = [];
    const params = get();
    if (toSeed === params.seed) { toSeed = (params.seed + 1) % SEED_MAX; target.set(toSeed); }
    request({ type: "interpolate", params, to_seed: toSeed, steps });
    note.textContent = `rendering ${steps} frames…`;
    bar.value = 0;
    bar.hidden = false;
    status = "";
    expected = steps;
  });
  const root = section("Interpolation", target.root, stepSlider.root, fpsSlider.root,
    el("div", { className: "sg3-buttons" }, render, button("Stop", stop), note), bar, canvas);

  return {
    root,
    toSeed: () => toSeed, // the video export walks to the same seed
    async frame({ header, blob }) {
      const bitmap = await createImageBitmap(blob);
      bitmaps[header.index] = bitmap;
      canvas.hidden = false;
      const got = bitmaps.filter(Boolean).length;
      note.textContent = status || `${got} of ${header.count} frames`;
      bar.value = got / header.count;
      if (header.index === 1) play();
      if (header.index === 0) { canvas.width = bitmap.width; canvas.height = bitmap.height; canvas.getContext("2d").drawImage(bitmap, 0, 0); }
    },
    done(message) {
      if (message.kind !== "interpolate") return;
      status = message.superseded ? "stopped by a newer request" : `${expected} frames, playing`;
      note.textContent = status;
      bar.hidden = true;
    },
    /** Render progress inside the job: frame n of N, and its layer. */
    progress(m) {
      if (m.kind !== "interpolate" || status) return;
      bar.hidden = false;
      bar.value = (m.frame + (m.layer_index + 1) / m.layer_count) / m.frames;
      note.textContent = `frame ${m.frame + 1} of ${m.frames} · layer ${m.layer_index + 1} of ${m.layer_count}`;
    },
  };
}
