/**
 * "Draw one by yourself": paint on the plot (GAN Lab's unit square), then apply. The
 * points go to the server as a `points` command, which switches to the `drawn` dataset.
 */

import { REAL_FILL } from "../colors.js";

const UNIT_BOX = [0, 1, 0, 1];
const MIN_GAP_PX = 3; // skip pointer samples closer than this, so a slow stroke is not a blob

/** Attach the drawing tool to the view; returns {start(), tools} (tools: the button bar). */
export function createDrawing(view, store, send, banner) {
  let points = [];
  let down = false;
  let last = null;
  const canvas = view.overlay;

  const tools = document.createElement("div");
  tools.className = "view-tools";
  tools.dataset.control = "drawing";
  const mk = (text, id, fn) => {
    const b = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: text, id });
    b.addEventListener("click", fn);
    return b;
  };
  const drawBtn = mk("✎ Draw data", "btn-draw", () => start());
  const apply = mk("Apply drawing", "btn-draw-apply", () => finish(true));
  const cancel = mk("Cancel", "btn-draw-cancel", () => finish(false));
  const hint = Object.assign(document.createElement("span"), { className: "hint", textContent: "drag on the plot to paint real samples" });
  tools.append(drawBtn, apply, cancel, hint);

  function render() {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = REAL_FILL;
    for (const [x, y] of points) { ctx.beginPath(); ctx.arc(x * w, (1 - y) * h, 4 * (window.devicePixelRatio || 1), 0, 7); ctx.fill(); }
  }

  function toData(event) {
    const r = canvas.getBoundingClientRect();
    const x = (event.clientX - r.left) / r.width, y = 1 - (event.clientY - r.top) / r.height;
    return [UNIT_BOX[0] + x * (UNIT_BOX[1] - UNIT_BOX[0]), UNIT_BOX[2] + y * (UNIT_BOX[3] - UNIT_BOX[2])];
  }

  function add(event) {
    const r = canvas.getBoundingClientRect();
    const px = [event.clientX, event.clientY];
    if (last && Math.hypot(px[0] - last[0], px[1] - last[1]) < MIN_GAP_PX) return;
    last = px;
    const [x, y] = toData(event);
    if (x >= 0 && x <= 1 && y >= 0 && y <= 1 && r.width > 0) { points.push([x, y]); render(); }
  }

  canvas.addEventListener("pointerdown", (e) => { if (!store.get("drawing")) return; down = true; last = null; canvas.setPointerCapture(e.pointerId); add(e); });
  canvas.addEventListener("pointermove", (e) => { if (down && store.get("drawing")) add(e); });
  canvas.addEventListener("pointerup", () => { down = false; });

  function start() {
    points = [];
    store.set({ drawing: true });
    view.heatmap.style.visibility = "hidden";
    render();
  }

  function finish(applied) {
    if (applied && !points.length) { banner.show("Draw some points on the plot first.", { kind: "info", timeout_ms: 4000 }); return; }
    store.set({ drawing: false });
    if (!applied) store.set({ paramsReverted: performance.now() }); // the dataset picker goes back
    if (!applied) return;
    const rounded = points.map(([x, y]) => [Number(x.toFixed(4)), Number(y.toFixed(4))]);
    store.set({ drawnPoints: rounded }); // kept in the link, so a shared drawing comes back
    send({ type: "points", points: rounded, dataset: "drawn" });
  }

  store.subscribe((state, changed) => {
    if (!changed.has("drawing")) return;
    view.plot.classList.toggle("drawing", state.drawing);
    drawBtn.hidden = state.drawing; apply.hidden = cancel.hidden = hint.hidden = !state.drawing;
  });
  apply.hidden = cancel.hidden = hint.hidden = true;
  return { start, tools };
}
