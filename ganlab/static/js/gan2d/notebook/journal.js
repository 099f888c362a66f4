/**
 * The lab notebook's contents, without any DOM: snapshots (view PNG, parameters, epoch,
 * metrics, an optional note) and the log of parameter changes, each with its epoch. It is
 * saved to IndexedDB under an id kept in sessionStorage, so it survives a reload together
 * with the session (sessionStorage is what the session resumes by), and a new tab starts a
 * new notebook.
 */

const ID_KEY = "ganlab.notebook_id";
const DB_NAME = "ganlab";
const STORE = "notebooks";
const SAVE_DELAY_MS = 200;

/** Every key whose value differs between two param objects: [{key, from, to}]. */
export function paramChanges(before, after) {
  return Object.keys(after).filter((k) => before[k] !== after[k]).map((k) => ({ key: k, from: before[k], to: after[k] }));
}

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = fn(tx.objectStore(STORE));
    tx.oncomplete = () => { db.close(); resolve(result.result); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

function notebookId() {
  let id = sessionStorage.getItem(ID_KEY);
  if (!id) {
    id = `nb-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    sessionStorage.setItem(ID_KEY, id);
  }
  return id;
}

/**
 * The notebook: {snapshots, changes, addSnapshot(s), setNote(i, text), logChanges(list, epoch),
 * clear(), ready (a promise: the saved notebook is loaded), subscribe(fn)}. Without IndexedDB
 * (a private window that forbids it) it still works, for the life of the page.
 */
export function createJournal() {
  const id = notebookId();
  const state = { snapshots: [], changes: [] };
  const listeners = new Set();
  let timer = null;
  const notify = () => listeners.forEach((fn) => fn(state));
  const save = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      transact("readwrite", (s) => s.put({ snapshots: state.snapshots, changes: state.changes }, id)).catch(() => {});
    }, SAVE_DELAY_MS);
  };
  const changed = () => { save(); notify(); };
  const ready = (typeof indexedDB === "undefined" ? Promise.resolve(null) : transact("readonly", (s) => s.get(id)))
    .then((saved) => {
      if (saved) {
        // Anything recorded before the saved copy loaded comes after it.
        state.snapshots = [...(saved.snapshots || []), ...state.snapshots];
        state.changes = [...(saved.changes || []), ...state.changes];
      }
      notify();
    })
    .catch(() => notify());

  return {
    state,
    ready,
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    addSnapshot(snapshot) { state.snapshots.push(snapshot); changed(); return state.snapshots.length - 1; },
    setNote(index, note) {
      if (!state.snapshots[index]) return;
      state.snapshots[index].note = String(note).slice(0, 200);
      changed();
    },
    /** Log `list` ([{key, from, to}]) as made at `epoch` (and `step`); `rebuilt` marks a restart. */
    logChanges(list, { epoch, step, rebuilt = false }) {
      if (!list.length) return;
      const at = new Date().toISOString();
      for (const c of list) state.changes.push({ ...c, epoch, step, rebuilt, at });
      changed();
    },
    clear() { state.snapshots = []; state.changes = []; changed(); },
  };
}
