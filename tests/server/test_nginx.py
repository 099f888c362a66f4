"""Two ganlab processes behind Debian's nginx with sticky routing by session id (docs/deploy.md).

nginx runs in the foreground on loopback with its own prefix and the configuration that
docs/deploy.md documents (read from there, ports filled in). New sessions are spread over
the backends; a reconnect with `?session_id=a-...` goes back to backend `a`, because each
backend prefixes its session ids with its GANLAB_INSTANCE name.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, LiveServer, start_server
from tests.server.gan2d.test_live_server import open_session
from tests.server.gan2d.wsclient import GanClient

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOC_PORTS = {"a": 8101, "b": 8102}  # the backends' ports in docs/deploy.md
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not os.path.exists(NGINX), reason="needs Debian's nginx (apt-get install nginx-light)"),
]


def deploy_config() -> str:
    """The nginx.conf block of docs/deploy.md, exactly as documented."""
    text = (REPO / "docs" / "deploy.md").read_text()
    return re.search(r"```nginx\n(.*?)```", text, re.S).group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    def __init__(self, backends: dict[str, LiveServer]):
        self.prefix = Path(tempfile.mkdtemp(prefix="ganlab-nginx-"))
        self.port = free_port()
        conf = deploy_config().replace("listen 8000;", f"listen 127.0.0.1:{self.port};")
        for name, live in backends.items():
            conf = conf.replace(f"127.0.0.1:{DOC_PORTS[name]}", f"127.0.0.1:{live.port}")
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must write the temp dirs here
        head = f"{user}pid {self.prefix}/nginx.pid;\nerror_log {self.prefix}/error.log warn;\n"
        temp = "".join(f"{kind}_temp_path {self.prefix}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
        conf = head + conf.replace("http {", "http {\n" + temp + f"access_log {self.prefix}/access.log;\n", 1)
        (self.prefix / "nginx.conf").write_text(conf)
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((self.prefix / "error.log").read_text()) from None
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/gan2d"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.prefix, ignore_errors=True)


async def test_sessions_spread_over_backends_and_each_resumes_on_its_own() -> None:
    env = {"GANLAB_WORKERS": "1", "GANLAB_MAX_SESSIONS": "4"}
    backends = dict(zip("ab", await asyncio.gather(
        asyncio.to_thread(start_server, {**env, "GANLAB_INSTANCE": "a"}),
        asyncio.to_thread(start_server, {**env, "GANLAB_INSTANCE": "b"}),
    ), strict=True))
    proxy = None
    try:
        proxy = await asyncio.to_thread(Nginx, backends)
        front = LiveServer(proxy.port, proxy.process, proxy.prefix / "error.log")
        first, one = await open_session(front)
        second, two = await open_session(front)
        assert {one["session_id"][0], two["session_id"][0]} == {"a", "b"}, "both landed on one backend"
        browser_like = await GanClient.connect(proxy.ws_url, origin=proxy.url)  # Host and Origin survive nginx
        assert (await browser_like.expect("hello"))["session_id"][0] in "ab"
        await browser_like.close()
        for client, epochs in ((first, 3), (second, 5)):
            for _ in range(epochs):
                await client.send({"type": "step", "what": "epoch"})
                await client.expect("status")
            await client.close()
        for hello, epochs in ((one, 3), (two, 5)):
            again, resumed = await open_session(front, session_id=hello["session_id"])
            assert resumed["resumed"] is True and resumed["epoch"] == epochs, resumed
            await again.close()
            url = f"{proxy.url}/api/gan2d/sessions/{hello['session_id']}/history.csv"
            with urllib.request.urlopen(url, timeout=10) as response:  # downloads follow the id too
                assert response.status == 200
    finally:
        if proxy is not None:
            proxy.stop()
        for live in backends.values():
            live.stop()
