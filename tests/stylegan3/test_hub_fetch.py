"""Model hub downloads against a loopback HTTP server: resume, atomicity, checks and every failure.

Nothing here touches the internet: every URL is 127.0.0.1 (tests/stylegan3/hubserver.py), and
the one DNS test replaces the resolver.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from pathlib import Path

import pytest

from ganlab.stylegan3.hub import catalog
from ganlab.stylegan3.hub.config import HubConfig
from ganlab.stylegan3.hub.errors import DownloadError
from ganlab.stylegan3.hub.install import ensure, install, resolve
from tests.stylegan3.hubfiles import booby_trapped_pickle, micro_pickle, micro_safetensors
from tests.stylegan3.hubserver import HubServer

pytestmark = pytest.mark.timeout(60)
NAME = "stylegan3-t-ffhqu-256x256"
PATH = f"stylegan3/versions/1/files/{NAME}.pkl"


@pytest.fixture
def hub():
    with HubServer() as server:
        yield server


def config(hub: HubServer, **overrides) -> HubConfig:
    return HubConfig(**{"base_url": hub.url, "retry_delay_s": 0.01, "timeout_s": 5, **overrides})


def visible(folder: Path) -> list[str]:
    """What a person (and the models list) sees in the folder: no hidden partial files."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def leftovers(folder: Path) -> list[str]:
    """Everything in the folder except lock files, hidden ones included."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock")


def get(hub: HubServer, folder: Path, source: str = NAME, **overrides):
    cfg = config(hub, **overrides)
    return install(resolve(source, cfg.base_url), folder, cfg)


def fail(hub: HubServer, folder: Path, source: str = NAME, **overrides) -> DownloadError:
    with pytest.raises(DownloadError) as info:
        get(hub, folder, source, **overrides)
    return info.value


# ---- the catalog ------------------------------------------------------------------------------


def test_catalog_lists_the_twelve_official_stylegan3_networks() -> None:
    models = catalog.STYLEGAN3_MODELS
    assert len(models) == 12 and len({m.name for m in models}) == 12
    for m in models:
        assert catalog.url_of(m) == (
            "https://api.ngc.nvidia.com/v2/models/nvidia/research/stylegan3/versions/1/files/" + m.filename
        )
        assert f"-{m.config.lower()}-" in m.name and m.name.endswith(f"{m.resolution}x{m.resolution}")
        assert 100e6 < m.size_bytes < 500e6 and "non-commercial" in catalog.licence_of(m).summary
    assert {m.config for m in models} == {"T", "R"} and {m.resolution for m in models} == {256, 512, 1024}
    assert catalog.find(f"{NAME.upper()}.pkl").name == NAME and catalog.RECOMMENDED == NAME
    assert catalog.url_of(catalog.find(NAME), "http://127.0.0.1:9/") == f"http://127.0.0.1:9/{PATH}"


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(catalog.UnknownModelError, match="did you mean stylegan3-t-ffhqu-256x256"):
        catalog.lookup("stylegan3-t-ffhq-256x256")


# ---- downloads that work ----------------------------------------------------------------------


def test_download_installs_a_checked_file_with_its_sha256(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    hub.add(PATH, data)
    seen = []
    done = install(resolve(NAME, hub.url), tmp_path, config(hub), on_progress=seen.append)
    digest = hashlib.sha256(data).hexdigest()
    assert done.path == tmp_path / f"{NAME}.pkl" and done.path.read_bytes() == data and done.sha256 == digest
    assert (tmp_path / f"{NAME}.pkl.sha256").read_text() == f"{digest}  {NAME}.pkl\n"
    assert done.G.img_resolution == 32
    assert visible(tmp_path) == [f"{NAME}.pkl", f"{NAME}.pkl.sha256"] and not leftovers(tmp_path / ".partial")
    assert seen[-1].phase == "checking" and seen[-1].done == len(data)
    again = ensure(NAME, tmp_path, config(hub))  # reused, not downloaded twice
    assert again.path == done.path and again.sha256 == digest and len(hub.hits(PATH)) == 1


def test_a_cut_connection_resumes_with_a_range_request(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    cut = len(data) * 2 // 5
    hub.add(PATH, data, drop_at=cut, drops=1)
    done = get(hub, tmp_path)
    assert hub.hits(PATH) == [None, f"bytes={cut}-"]
    assert done.sha256 == hashlib.sha256(data).hexdigest()


def test_after_the_retries_the_part_is_kept_and_the_next_attempt_resumes(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    cut = len(data) // 2
    served = hub.add(PATH, data, drop_at=cut)  # every attempt dies at the same byte
    error = fail(hub, tmp_path, retries=1)
    assert error.kind == "cut" and error.kept_bytes == cut and "resume" in error.hint
    assert visible(tmp_path) == []  # the part is hidden from the models list
    served.drop_at = None  # the network is back
    done = get(hub, tmp_path)
    assert hub.hits(PATH)[-1] == f"bytes={cut}-" and done.path.read_bytes() == data


def test_a_server_that_ignores_ranges_or_changed_the_file_restarts_cleanly(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    served = hub.add(PATH, data, drop_at=len(data) // 3, drops=1, ignore_range=True)
    assert get(hub, tmp_path).path.read_bytes() == data
    (tmp_path / f"{NAME}.pkl").unlink()
    newer = micro_safetensors()
    served.drop_at, served.drops, served.ignore_range = len(data) // 3, None, False
    fail(hub, tmp_path, retries=0)  # leaves a third of the old file
    served.data, served.drop_at = newer, None  # its ETag changes: If-Range makes the server send it whole
    done = get(hub, tmp_path)
    assert done.path.read_bytes() == newer


def test_a_url_download_names_the_file_after_the_url(hub: HubServer, tmp_path: Path) -> None:
    hub.add("community/lhq-256-stylegan3-t.pkl", micro_pickle())
    hub.add("blob/abc123", micro_safetensors())
    assert get(hub, tmp_path, hub.url + "community/lhq-256-stylegan3-t.pkl").path.name == "lhq-256-stylegan3-t.pkl"
    assert get(hub, tmp_path, hub.url + "blob/abc123?download=1").path.name == "abc123.safetensors"


# ---- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, words", [(404, "not found"), (403, "refused access")])
def test_http_errors_say_what_happened(hub: HubServer, tmp_path: Path, status: int, words: str) -> None:
    hub.add(PATH, b"", status=status)
    error = fail(hub, tmp_path)
    assert error.kind == "http" and words in error.message and f"HTTP {status}" in error.message
    assert error.hint and leftovers(tmp_path) == []


def test_a_cancel_leaves_nothing_behind(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, micro_pickle(), bps=400_000)
    cancel = threading.Event()
    cfg = config(hub)

    def on_progress(progress):
        if progress.done > 0:
            cancel.set()

    with pytest.raises(DownloadError) as info:
        install(resolve(NAME, hub.url), tmp_path, cfg, on_progress=on_progress, cancel=cancel)
    assert info.value.kind == "cancelled" and leftovers(tmp_path) == []


def test_dns_failure(tmp_path: Path, monkeypatch) -> None:
    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    cfg = HubConfig(base_url="https://models.example.invalid/", retry_delay_s=0)
    with pytest.raises(DownloadError) as info:
        install(resolve(NAME, cfg.base_url), tmp_path, cfg)
    assert info.value.kind == "dns" and "models.example.invalid" in info.value.message
    assert "online" in info.value.hint and leftovers(tmp_path) == []


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        cfg = HubConfig(base_url=f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout_s=0.3, retries=0)
        with pytest.raises(DownloadError) as info:
            install(resolve(NAME, cfg.base_url), tmp_path, cfg)
    assert info.value.kind == "timeout" and "0.3 s" in info.value.message


def test_a_stalled_transfer_times_out_and_keeps_what_arrived(hub: HubServer, tmp_path: Path) -> None:
    data = micro_pickle()
    hub.add(PATH, data, stall_at=len(data) // 4)
    error = fail(hub, tmp_path, timeout_s=0.3, retries=1)
    assert error.kind == "timeout" and error.kept_bytes == len(data) // 4


def test_a_file_that_is_not_a_network_is_refused_and_removed(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, b"<html><body>Please log in</body></html>" * 50)
    error = fail(hub, tmp_path)
    assert error.kind == "not_network" and "Nothing was kept" in error.hint and leftovers(tmp_path) == []


def test_a_booby_trapped_pickle_runs_nothing(hub: HubServer, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hub.add(PATH, booby_trapped_pickle(marker))
    error = fail(hub, tmp_path / "models")
    assert error.kind == "not_network" and "system" in error.message
    assert not marker.exists() and leftovers(tmp_path / "models") == []


def test_too_large_files_are_refused(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, micro_pickle())
    error = fail(hub, tmp_path, max_mb=0.1)
    assert error.kind == "too_large" and "GANLAB_HUB_MAX_MB" in error.hint and len(hub.hits(PATH)) == 1
    hub.add(PATH, micro_pickle(), no_length=True)  # no size announced: stopped at the limit
    assert fail(hub, tmp_path, max_mb=0.1).kind == "too_large" and leftovers(tmp_path) == []


def test_a_full_disk_is_found_before_the_download(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, micro_pickle())
    cfg = config(hub)
    with pytest.raises(DownloadError) as info:
        install(resolve(NAME, hub.url), tmp_path, cfg, free_bytes=lambda path: 10_000_000)
    assert info.value.kind == "disk_full" and "MB are free" in info.value.message
    assert "GANLAB_MODELS_DIR" in info.value.hint and leftovers(tmp_path) == []


@pytest.mark.parametrize("url", ["http://example.com/x.pkl", "ftp://example.com/x.pkl", "file:///etc/passwd"])
def test_only_https_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(DownloadError) as info:
        resolve(url)
    assert info.value.kind == "url" and "https://" in info.value.message


def test_a_redirect_to_plain_http_elsewhere_is_refused(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, b"", redirect="http://example.com/stolen.pkl")
    error = fail(hub, tmp_path)
    assert error.kind == "url" and "redirected" in error.message and leftovers(tmp_path) == []


def test_two_downloads_of_one_file_do_not_mix(hub: HubServer, tmp_path: Path) -> None:
    hub.add(PATH, micro_pickle(), bps=600_000)
    results: list = []

    def one():
        try:
            results.append(get(hub, tmp_path).sha256)
        except DownloadError as error:
            results.append(error.kind)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted([hashlib.sha256(micro_pickle()).hexdigest(), "busy"])


def test_catalog_lists_nvidias_stylegan2_networks_from_ngc() -> None:
    models = catalog.STYLEGAN2_MODELS
    assert len(models) == 15 and all(m.family == "stylegan2" and m.config == "StyleGAN2" for m in models)
    for m in models:
        assert catalog.url_of(m) == (
            "https://api.ngc.nvidia.com/v2/models/nvidia/research/stylegan2/versions/1/files/" + m.filename
        )
        assert m.name.startswith("stylegan2-") and m.name.endswith(f"{m.resolution}x{m.resolution}")
        assert 100e6 < m.size_bytes < 500e6
    assert catalog.find("stylegan2-ffhq-1024x1024.pkl").label == "StyleGAN2 FFHQ 1024"
    assert [m.name for m in models if m.conditional] == ["stylegan2-cifar10-32x32"]
    assert len(catalog.CATALOG) == 27
