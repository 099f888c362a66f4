/**
 * Seed grid: seeds seed .. seed+rows*cols-1 with every other setting kept, streamed tile by
 * tile (so the first tiles show while the rest render). Clicking a tile picks that seed.
 */

import { button, el, section } from "./widgets.js";

export function createSeedGrid({ get, set, request, maxGrid }) {
  const size = el("select", { className: "sg3-grid-size" });
  for (let n = 2; n <= maxGrid; n++) size.append(new Option(`${n}×${n}`, String(n)));
  size.value = String(Math.min(3, maxGrid));
  const canvas = el("canvas", { className: "sg3-grid", width: 192, height: 192, hidden: true,
    title: "Click a tile to use its seed" });
  canvas.dataset.role = "sg3-grid";
  const note = el("span", { className: "sg3-hint" });
  const bar = el("progress", { className: "sg3-job-bar", max: 1, value: 0, hidden: true });
  let job = null; // {base, cols, rows, done} of the grid on show
  let stopped = false; // a newer request interrupted the grid (the server stops jobs between frames)

  const go = button("Render grid", () => {
    const n = Number(size.value);
    const params = get();
    request({ type: "grid", params, rows: n, cols: n });
    stopped = false;
    note.textContent = `rendering ${n * n} seeds from ${params.seed}…`;
    bar.value = 0;
    bar.hidden = false;
  });
  canvas.addEventListener("click", (e) => {
    if (!job) return;
    const box = canvas.getBoundingClientRect();
    const col = Math.floor(((e.clientX - box.left) / box.width) * job.cols);
    const row = Math.floor(((e.clientY - box.top) / box.height) * job.rows);
    set({ seed: job.base + row * job.cols + col, seed_offset: [0, 0] });
  });
  const root = section("Seed grid", el("div", { className: "sg3-buttons" }, size, go, note), bar, canvas);

  return {
    root,
    /** A frame of kind "grid": tile `index` of a rows x cols grid starting at seed - index. */
    async frame({ header, blob }) {
      job = { base: header.seed - header.index, rows: header.rows, cols: header.cols, done: job?.done || 0 };
      const bitmap = await createImageBitmap(blob);
      const { width, height } = bitmap;
      if (header.index === 0 || canvas.width !== width * header.cols) {
        canvas.width = width * header.cols;
        canvas.height = height * header.rows;
      }
      const r = Math.floor(header.index / header.cols);
      const c = header.index % header.cols;
      canvas.getContext("2d").drawImage(bitmap, c * width, r * height);
      bitmap.close();
      canvas.hidden = false;
      job.done = header.index + 1;
      note.textContent = `${job.done} of ${header.count} tiles${stopped ? " (stopped by a newer request)" : ""}`;
      bar.value = job.done / header.count;
      bar.hidden = job.done === header.count;
    },
    /** Render progress inside the grid: tile n of N, and the layer of that tile. */
    progress(m) {
      if (m.kind !== "grid" || stopped) return;
      bar.hidden = false;
      bar.value = (m.frame + (m.layer_index + 1) / m.layer_count) / m.frames;
      note.textContent = `tile ${m.frame + 1} of ${m.frames} · layer ${m.layer_index + 1} of ${m.layer_count}`;
    },
    done(message) {
      if (message.kind !== "grid" || !message.superseded) return;
      stopped = true;
      bar.hidden = true;
      note.textContent += " (stopped by a newer request)";
    },
  };
}
