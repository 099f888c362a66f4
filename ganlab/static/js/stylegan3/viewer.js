/**
 * The image area: a canvas showing the newest frame (the image, or a layer's output), a
 * caption saying what is shown, the time per image and the achieved frames/s, and the PNG
 * download. Frames are drawn in arrival order; CSS scales the canvas up. While the engine
 * starts, a model loads or a render takes long, an overlay on the image says what is
 * happening, with a progress bar (the synthesis layer the server is on).
 */

import { button, el, ms } from "./widgets.js";

const FPS_WINDOW_MS = 3000;

/** Frames per second over the last few seconds of arrivals. */
export function createRateMeter(windowMs = FPS_WINDOW_MS) {
  const stamps = [];
  return {
    tick(now = performance.now()) {
      stamps.push(now);
      while (stamps.length && now - stamps[0] > windowMs) stamps.shift();
    },
    rate(now = performance.now()) {
      while (stamps.length && now - stamps[0] > windowMs) stamps.shift();
      if (stamps.length < 2) return 0;
      return (stamps.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000);
    },
  };
}

function caption(header) {
  const layer = header.layer;
  if (!layer) return `${header.width}×${header.height} image · seed ${header.seed}`;
  const list = layer.shown || [layer.channel, layer.channel + 1, layer.channel + 2];
  const shown = layer.rgb ? `channels ${list.join(", ")} as RGB` : `channel ${list[0]}`;
  return `${layer.name}: ${layer.size}×${layer.size}, ${layer.channels} channels · ${shown} · ` +
    `mean ${layer.mean.toFixed(3)}, std ${layer.std.toFixed(3)}, max |v| ${layer.max_abs.toFixed(3)}`;
}

/** Ask the server for the PNG of `params` and save it under the name it suggests (settings in it). */
export async function downloadPng(params) {
  const response = await fetch("api/stylegan3/generate", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(params),
  });
  if (!response.ok) throw new Error(`download failed (${response.status})`);
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "stylegan3.png";
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/** Dragging the image calls `onDrag(dx, dy)` in units of the displayed width, like the official result area. */
function bindDrag(canvas, onDrag) {
  let last = null;
  canvas.addEventListener("pointerdown", (e) => { last = e; canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const width = canvas.getBoundingClientRect().width || 1;
    onDrag((e.clientX - last.clientX) / width, (e.clientY - last.clientY) / width);
    last = e;
  });
  for (const type of ["pointerup", "pointercancel"]) canvas.addEventListener(type, () => { last = null; });
}

export function createViewer({ getParams, onError, onDrag }) {
  const canvas = el("canvas", { className: "sg3-canvas", width: 256, height: 256,
    title: "Drag to move through latent space" });
  canvas.dataset.role = "sg3-image";
  if (onDrag) bindDrag(canvas, onDrag);
  const note = el("div", { className: "sg3-caption", textContent: "" });
  const overlayText = el("div", { className: "sg3-overlay-text" });
  const overlayBar = el("progress", { className: "sg3-overlay-bar", max: 1 });
  const overlay = el("div", { className: "sg3-overlay", hidden: true }, overlayText, overlayBar);
  overlay.dataset.role = "sg3-busy";
  const timing = el("span", { className: "sg3-timing", textContent: "—" });
  timing.dataset.role = "sg3-timing";
  const download = button("Download PNG", async () => {
    download.disabled = true;
    try { note.dataset.download = await downloadPng(getParams()); } catch (error) { onError(error.message); }
    download.disabled = false;
  });
  download.dataset.role = "sg3-download";
  const root = el("div", { className: "sg3-viewer" }, el("div", { className: "sg3-frame" }, canvas, overlay), note,
    el("div", { className: "sg3-viewer-tools" }, timing, download));
  const meter = createRateMeter();
  let chain = Promise.resolve();
  let frames = 0;

  function draw(header, bitmap) {
    if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.style.aspectRatio = `${bitmap.width} / ${bitmap.height}`; // the FFT view is two pictures wide
    }
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    canvas.classList.toggle("sg3-pixelated", bitmap.width < 256);
    canvas.dataset.frames = String(++frames);
    canvas.classList.remove("sg3-empty");
    overlay.hidden = true;
    canvas.dataset.id = String(header.id);
    note.textContent = caption(header);
    meter.tick();
    const rate = meter.rate(); // needs two frames in the window; a single still image has no rate
    const how = header.precision === "bf16" ? " (bf16 preview)" : "";
    const reused = header.reused_stages ? ` · ${header.reused_stages} stages reused` : "";
    timing.textContent = `${ms(header.render_ms)} per image${how}${reused}` + (rate ? ` · ${rate.toFixed(1)} frames/s` : "");
  }

  canvas.classList.add("sg3-empty");
  return {
    root, canvas,
    /** Say what is happening over the image; `fraction` 0..1, or null for an indeterminate bar. */
    busy(text, fraction = null) {
      overlayText.textContent = text;
      if (fraction === null) overlayBar.removeAttribute("value"); else overlayBar.value = Math.min(1, fraction);
      overlay.hidden = false;
      overlay.classList.toggle("sg3-dim", frames > 0); // over an old image: a strip, not a blackout
    },
    idle() { overlay.hidden = true; },
    /** Show a decoded frame ({header, blob}); frames are drawn in the order they arrived. */
    show(frame) {
      chain = chain.then(async () => {
        const bitmap = await createImageBitmap(frame.blob);
        draw(frame.header, bitmap);
        bitmap.close();
      }).catch((error) => onError(`could not show a frame: ${error.message}`));
      return chain;
    },
    /** Resolves once every frame received so far is on the canvas. */
    drawn: () => chain,
  };
}
