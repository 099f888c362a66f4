/**
 * The one application state object. Every change goes through `set`, and every view
 * reacts through `subscribe`, so there is exactly one door for state changes.
 */

/** Create a store holding `initial`; `set(patch)` shallow-merges top-level keys. */
export function createStore(initial) {
  let state = { ...initial };
  const listeners = new Set();
  return {
    get: (key) => (key === undefined ? state : state[key]),
    set(patch) {
      const changed = Object.keys(patch).filter((k) => state[k] !== patch[k]);
      if (!changed.length) return;
      state = { ...state, ...patch };
      for (const fn of [...listeners]) fn(state, new Set(changed));
    },
    /** `fn(state, changedKeys)` after every change; returns an unsubscribe function. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
