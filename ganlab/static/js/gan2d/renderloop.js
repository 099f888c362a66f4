/**
 * The draw loop: on each animation frame, draw the newest server frame if there is one.
 * The big view follows every frame; graph thumbnails and charts refresh at most 10 times a
 * second while playing (enough for the eye, and they cost more to draw).
 */

import { datasetInfo } from "../schema.js";

const THUMB_INTERVAL_MS = 100;

export function startRenderLoop({ schema, store, frames, view, graph, charts, health }) {
  let lastThumbs = 0;
  let thumbsDirty = false;
  const setRun = (patch) => store.set({ run: { ...store.get("run"), ...patch } });

  function tick(now) {
    const f = frames.latest;
    if (f && frames.dirty) {
      frames.dirty = false;
      view.draw(f);
      const h = f.header;
      // The play state comes only from hello/status messages: they are ordered with the
      // commands, while a frame may have been built just before a pause.
      setRun({ epoch: h.epoch, step: h.step, epochs_per_s: h.epochs_per_s, run_id: h.run_id, phase: h.phase });
      health?.check(f, store.get("params"), store.get("run").state);
      thumbsDirty = true;
    }
    if (f && thumbsDirty && (now - lastThumbs > THUMB_INTERVAL_MS || store.get("run").state !== "playing")) {
      thumbsDirty = false;
      lastThumbs = now;
      graph.draw(f, store.get("run"), store.get("ui"));
      charts.setMixture(datasetInfo(schema, f.header.dataset).mixture);
      charts.render();
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  store.subscribe((state, changed) => {
    if (changed.has("ui") || (changed.has("drawing") && !state.drawing)) frames.dirty = true;
  });
  window.addEventListener("resize", () => { charts.resize(); frames.dirty = true; });
}
