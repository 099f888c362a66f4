"""A loopback HTTP server for model-hub tests: files with Range support and misbehaviour on demand.

`HubServer()` serves `add(path, data, **behaviour)` on 127.0.0.1 (a free port) from a thread of
the test process; point `GANLAB_HUB_BASE_URL` at `server.url`. Behaviour per path:
* `status`: answer with this HTTP status instead (404, 403, 503, ...);
* `bps`: send at most this many bytes per second (the slow mode);
* `drop_at`, `drops`: close the connection when the body reaches byte `drop_at`, the next
  `drops` times (None: every time), as a cut connection would;
* `stall_at`: stop sending at that byte and hold the connection open (a stalled link);
* `no_length`: send no Content-Length (the client must stop at its own size limit);
* `ignore_range`: answer 200 with the whole file even when a range is asked for;
* `redirect`: answer 302 to this URL.
Every request is logged as `(path, Range header)` in `server.requests`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    data: bytes
    status: int = 200
    bps: float | None = None
    drop_at: int | None = None
    drops: int | None = None
    stall_at: int | None = None
    no_length: bool = False
    ignore_range: bool = False
    redirect: str | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.data).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    server_version = "hubtest"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        hub: HubServer = self.server.hub
        path = self.path.split("?", 1)[0]
        hub.requests.append((path, self.headers.get("Range")))
        item = hub.files.get(path)
        if item is not None and item.redirect:
            self.send_response(302)
            self.send_header("Location", item.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if item is None or item.status != 200:
            self.send_error(item.status if item else 404)
            return
        start = self._range_start(item)
        body = item.data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(item.data) - 1}/{len(item.data)}")
        if not item.no_length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", item.etag)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._send_body(hub, item, start, body)

    def _range_start(self, item: Served) -> int:
        asked = self.headers.get("Range")
        if not asked or item.ignore_range or not asked.startswith("bytes="):
            return 0
        if_range = self.headers.get("If-Range")
        if if_range and if_range != item.etag:
            return 0
        return min(int(asked[6:].split("-", 1)[0]), len(item.data))

    def _send_body(self, hub: HubServer, item: Served, start: int, body: bytes) -> None:
        sent, step = 0, 16 * 1024
        while sent < len(body):
            offset = start + sent
            if item.stall_at is not None and offset >= item.stall_at:
                hub.release.wait(30)
                return
            if item.drop_at is not None and offset >= item.drop_at and item.drops != 0:
                if item.drops is not None:
                    item.drops -= 1
                return  # the handler returns: the connection closes mid-body
            end = len(body)
            for limit in (item.drop_at, item.stall_at):
                if limit is not None and offset < limit:
                    end = min(end, limit - start)
            chunk = body[sent : min(end, sent + step)]
            try:
                self.wfile.write(chunk)
                self.wfile.flush()
            except OSError:
                return
            sent += len(chunk)
            if item.bps:
                time.sleep(len(chunk) / item.bps)


class HubServer:
    """Context manager: `with HubServer() as hub: hub.add('/x.pkl', data); hub.url`."""

    def __init__(self):
        self.files: dict[str, Served] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.release = threading.Event()  # lets stalled responses end at shutdown
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.hub = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def add(self, path: str, data: bytes, **behaviour) -> Served:
        item = Served(data, **behaviour)
        self.files["/" + path.lstrip("/")] = item
        return item

    def hits(self, path: str) -> list[str | None]:
        """The Range headers of every request for `path`."""
        return [r for p, r in self.requests if p == "/" + path.lstrip("/")]

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
