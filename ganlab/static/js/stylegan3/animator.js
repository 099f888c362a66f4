/**
 * One requestAnimationFrame loop for every StyleGAN3 animation (seed, translate, rotate,
 * mixing seed, interpolation playback). It runs only while some animation is on, and each
 * animation advances by elapsed time, so its speed does not depend on how fast images come
 * back: the server renders the newest state whenever it is free.
 */

export function createAnimator() {
  const active = new Map(); // name -> tick(dtSeconds, nowMs)
  let handle = 0;
  let last = 0;

  function frame(now) {
    const dt = last ? Math.min(0.25, (now - last) / 1000) : 0;
    last = now;
    for (const tick of [...active.values()]) tick(dt, now);
    handle = active.size ? requestAnimationFrame(frame) : 0;
    if (!handle) last = 0;
  }

  return {
    /** Start (or replace) the animation `name`. */
    start(name, tick) {
      active.set(name, tick);
      if (!handle) handle = requestAnimationFrame(frame);
    },
    stop(name) { active.delete(name); },
    running: (name) => active.has(name),
  };
}
