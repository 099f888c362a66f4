/**
 * The /ws/stylegan3 socket: sends render, grid, interpolate and load requests, decodes the
 * binary frames (uint32 LE header length | JSON header | JPEG) and reconnects with backoff.
 *
 * Single renders keep at most one request in flight: a change made while one renders is
 * held, and only the newest held one is sent when the frame arrives. The server also keeps
 * only its newest pending request, so neither side ever builds a queue.
 */

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${location.pathname.replace(/[^/]*$/, "")}ws/stylegan3`;
}

/** Split a binary frame into its header and a JPEG Blob. */
export function decodeImageFrame(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  return { header, blob: new Blob([new Uint8Array(buffer, 4 + length)], { type: "image/jpeg" }) };
}

/** `handlers`: starting, hello, progress, model, download, error, done, frame, connection. */
export function connectRender(handlers) {
  let ws = null;
  let attempt = 0;
  let stopped = false;
  let nextId = 1;
  let inflight = null; // {id, multi, preview}
  let held = null; // the newest render request not yet sent

  function rawSend(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  function finish(id) {
    if (!inflight || inflight.id !== id) return;
    inflight = null;
    if (held) {
      const message = held;
      held = null;
      submit(message);
    }
  }

  function submit(message) {
    const full = { ...message, id: nextId++ };
    // A multi-frame job gives way at once (the server stops it between frames), and so does a drag
    // preview when the exact frame is asked for (the server stops it between layers); any other
    // single render finishes first.
    const givesWay = inflight && (inflight.multi || (inflight.preview && !message.params?.preview));
    if (inflight && !givesWay) {
      held = message;
      return null;
    }
    if (!rawSend(full)) {
      held = message;
      return null;
    }
    held = null; // anything held is older than what was just sent: it would undo it after its frame
    inflight = { id: full.id, multi: full.type === "grid" || full.type === "interpolate", preview: !!full.params?.preview };
    return full.id;
  }

  function onMessage(event) {
    if (typeof event.data !== "string") {
      const frame = decodeImageFrame(event.data);
      handlers.frame?.(frame);
      if (frame.header.index === frame.header.count - 1 && frame.header.count === 1) finish(frame.header.id);
      return;
    }
    const message = JSON.parse(event.data);
    handlers[message.type]?.(message);
    if (message.type === "error" || message.type === "done" || message.type === "model") finish(message.id);
  }

  function open() {
    ws = new WebSocket(socketUrl());
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      attempt = 0;
      inflight = null;
      handlers.connection?.("open");
      if (held) { const message = held; held = null; submit(message); }
    };
    ws.onmessage = onMessage;
    ws.onclose = () => {
      handlers.connection?.("closed");
      if (!stopped) setTimeout(open, Math.min(8000, 300 * 2 ** attempt++));
    };
  }
  open();

  return {
    /** Queue-free request: returns the id sent, or null when it is held for later. */
    request: submit,
    /** A message outside the render flow (downloads, directions): sent now if connected, never held;
     * returns its id, or null when not connected. */
    send(message) {
      const id = nextId++;
      return rawSend({ ...message, id }) ? id : null;
    },
    /** True while a request is rendering or waiting to be sent. */
    busy: () => inflight !== null || held !== null,
    close() { stopped = true; ws?.close(); },
  };
}
