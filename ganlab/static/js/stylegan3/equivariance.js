/**
 * Equivariance: translate x/y (image widths) and rotate (degrees) through the official input
 * transform, each with an animation. On an alias-free (T or R) model the content should slide
 * or turn smoothly while the texture sticks to it. StyleGAN2 networks have no input transform:
 * every control here is disabled for them, with a tooltip saying why.
 */

import { button, checkbox, el, section, slider } from "./widgets.js";

const ORBIT_RADIUS = 0.125; // image widths: the translate animation circles the origin
export const NO_TRANSFORM_HINT = "StyleGAN2 has no input transform";

export function createEquivariancePanel({ schema, get, set, animator }) {
  const [xProp, yProp] = schema.properties.translate.prefixItems;
  const translateTo = (i, v) => { const t = [...get().translate]; t[i] = v; set({ translate: t }); };
  const tx = slider({ label: "Translate x", min: xProp.minimum, max: xProp.maximum, step: 0.005, value: 0,
    name: "translate_x", title: "Image widths; + moves the content right", onInput: (v) => translateTo(0, v) });
  const ty = slider({ label: "Translate y", min: yProp.minimum, max: yProp.maximum, step: 0.005, value: 0,
    name: "translate_y", title: "Image widths; + moves the content down", onInput: (v) => translateTo(1, v) });
  const rot = slider({ label: "Rotate °", min: -180, max: 180, step: 0.5, value: 0, name: "rotate",
    title: schema.properties.rotate.description, onInput: (v) => set({ rotate: v }) });

  let orbitSpeed = 0.1;
  let phase = 0;
  const orbitSlider = slider({ label: "Speed", min: 0, max: 0.5, step: 0.01, value: orbitSpeed,
    name: "translate_speed", title: "Orbits per second", onInput: (v) => { orbitSpeed = v; } });
  const orbit = checkbox("Animate translation", false, (on) => {
    if (!on) return animator.stop("translate");
    animator.start("translate", (dt) => {
      phase += orbitSpeed * dt * 2 * Math.PI;
      set({ translate: [+(ORBIT_RADIUS * Math.cos(phase)).toFixed(4), +(ORBIT_RADIUS * Math.sin(phase)).toFixed(4)] });
    });
  }, "translate_anim");

  let spinSpeed = 20;
  const spinSlider = slider({ label: "Speed °/s", min: -180, max: 180, step: 1, value: spinSpeed,
    name: "rotate_speed", onInput: (v) => { spinSpeed = v; } });
  const spin = checkbox("Animate rotation", false, (on) => {
    if (!on) return animator.stop("rotate");
    animator.start("rotate", (dt) => {
      const next = ((get().rotate + spinSpeed * dt + 540) % 360) - 180; // stay in the slider's -180..180
      set({ rotate: +next.toFixed(2) });
    });
  }, "rotate_anim");

  const reset = button("Reset", () => {
    orbit.set(false); spin.set(false);
    animator.stop("translate"); animator.stop("rotate");
    set({ translate: [0, 0], rotate: 0 });
  });
  const hint = el("div", { className: "sg3-hint", hidden: true, textContent: NO_TRANSFORM_HINT });
  const root = section("Equivariance", tx.root, ty.root, rot.root, orbit.root, orbitSlider.root, spin.root,
    spinSlider.root, el("div", { className: "sg3-buttons" }, reset), hint);
  const sliders = [tx, ty, rot, orbitSlider, spinSlider];
  const titles = sliders.map((s) => s.root.title);

  return {
    root,
    /** StyleGAN2: no input transform, so translate/rotate and their animations are disabled. */
    setModel(info) {
      const off = info.architecture === "StyleGAN2";
      if (off) { orbit.set(false); spin.set(false); animator.stop("translate"); animator.stop("rotate"); }
      sliders.forEach((s, i) => {
        s.range.disabled = s.box.disabled = off;
        s.root.title = off ? NO_TRANSFORM_HINT : titles[i];
      });
      for (const c of [orbit, spin]) { c.box.disabled = off; c.root.title = off ? NO_TRANSFORM_HINT : ""; }
      reset.disabled = off;
      reset.title = off ? NO_TRANSFORM_HINT : "";
      hint.hidden = !off;
    },
    update(p) {
      tx.set(p.translate[0]);
      ty.set(p.translate[1]);
      rot.set(p.rotate);
    },
  };
}
