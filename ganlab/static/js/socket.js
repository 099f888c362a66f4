/**
 * A session websocket: connects (resuming the tab's session after a reload), hands binary
 * frames to the caller's decoder, reconnects with backoff, and dispatches text messages by type.
 */

const SESSION_KEY = "ganlab.session_id";
const CLOSE_SERVER_FULL = 1013;
const CLOSE_REPLACED = 4001;

function socketUrl(path, sessionKey) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const base = `${scheme}://${location.host}${location.pathname.replace(/[^/]*$/, "")}${path}`;
  const sid = sessionStorage.getItem(sessionKey);
  return sid ? `${base}?session_id=${encodeURIComponent(sid)}` : base;
}

/**
 * Open the session socket. `handlers` maps message types (hello, params, status, error,
 * history) plus `frame` and `connection` to functions. Returns {send, sessionId}.
 * `sessionKey` names the sessionStorage entry holding the session id: other views that run
 * their own sessions (compare mode) use their own keys, so they resume independently.
 * `decode` turns a binary message (an ArrayBuffer) into what `handlers.frame` receives.
 */
export function connectSession(handlers, { path = "ws/gan2d", sessionKey = SESSION_KEY, decode = (data) => data } = {}) {
  let ws = null;
  let attempt = 0;
  let stopped = false;

  function open() {
    if (stopped) return; // closed while a reconnect was pending
    ws = new WebSocket(socketUrl(path, sessionKey));
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { attempt = 0; handlers.connection?.("open"); };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        handlers.frame?.(decode(event.data));
        return;
      }
      const message = JSON.parse(event.data);
      if (message.type === "hello") sessionStorage.setItem(sessionKey, message.session_id);
      handlers[message.type]?.(message);
    };
    ws.onclose = (event) => {
      handlers.connection?.(event.code === CLOSE_SERVER_FULL ? "full" : "closed");
      if (stopped || event.code === CLOSE_REPLACED) return;
      // A full server frees up slowly; a dropped link usually comes back fast.
      const delay = event.code === CLOSE_SERVER_FULL ? 10000 : Math.min(8000, 300 * 2 ** attempt++);
      setTimeout(open, delay);
    };
  }
  open();
  return {
    /** Send a command; false when the socket is not open (the caller shows it as offline). */
    send(message) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    sessionId: () => sessionStorage.getItem(sessionKey),
    close() {
      stopped = true;
      // Closing a socket that is still connecting makes the browser log an error; close it once open.
      if (ws?.readyState === WebSocket.CONNECTING) { const pending = ws; pending.onopen = () => pending.close(); }
      else ws?.close();
    },
  };
}
