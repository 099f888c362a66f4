/**
 * Downloads: a PNG of the layered view, the trained model (safetensors + params JSON, as a
 * zip from the server), the shown samples as CSV, and the metric history as CSV.
 */

import { paintOverlay } from "./distview.js";

const PNG_SIZE = 800;

function save(blob, filename) {
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * The view as it is shown, on an opaque canvas of `size` px: the background, the heatmap
 * (scaled smoothly, as CSS shows it), then the manifold, samples, arrows and off-view marks.
 */
export function renderViewCanvas(view, frame, ui, size = PNG_SIZE) {
  const canvas = Object.assign(document.createElement("canvas"), { width: size, height: size });
  const ctx = canvas.getContext("2d", { alpha: false });
  ctx.fillStyle = "#fafafa";
  ctx.fillRect(0, 0, size, size);
  if (ui.layer_heatmap) {
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(view.heatmap, 0, 0, size, size);
  }
  paintOverlay(ctx, size, size, frame, ui);
  return canvas;
}

export function samplesCsv(frame) {
  const { real, real_d: realD, fake, fake_d: fakeD } = frame.arrays;
  const lines = ["kind,x,y,d"];
  for (let i = 0; i < real.length / 2; i++) lines.push(`real,${real[2 * i]},${real[2 * i + 1]},${realD[i]}`);
  for (let i = 0; i < fake.length / 2; i++) lines.push(`fake,${fake[2 * i]},${fake[2 * i + 1]},${fakeD[i]}`);
  return lines.join("\n") + "\n";
}

/** The download buttons; `latest()` returns the newest decoded frame. */
export function createDownloads(view, store, latest, sessionId, banner) {
  const root = document.createElement("div");
  root.className = "view-tools";
  root.dataset.control = "downloads";
  const add = (text, id, fn) => {
    const b = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: text, id });
    b.addEventListener("click", async () => {
      try { await fn(); } catch (error) { banner.show(`Download failed: ${error.message}`, { timeout_ms: 6000 }); }
    });
    root.append(b);
  };
  const need = () => { const f = latest(); if (!f) throw new Error("no frame received yet"); return f; };
  const fetchBlob = async (path) => {
    const response = await fetch(`api/gan2d/sessions/${sessionId()}/${path}`);
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return response.blob();
  };
  root.append(Object.assign(document.createElement("span"), { className: "hint", textContent: "Download:" }));
  add("PNG", "dl-png", () => new Promise((ok) => renderViewCanvas(view, need(), store.get("ui")).toBlob((b) => { save(b, "ganlab_view.png"); ok(); }, "image/png")));
  add("Model", "dl-model", async () => save(await fetchBlob("model"), "ganlab_model.zip"));
  add("Samples CSV", "dl-samples", () => save(new Blob([samplesCsv(need())], { type: "text/csv" }), "ganlab_samples.csv"));
  add("History CSV", "dl-history", async () => save(await fetchBlob("history.csv"), "ganlab_history.csv"));
  return root;
}
