"""The ray backend against a local Ray instance this test starts on 127.0.0.1.

Skipped with a reason when the optional extra is not installed (pip install 'ganlab[ray]').
"""

from __future__ import annotations

import pytest

from ganlab.studies.spec import SweepSpec
from ganlab.studies.sweep import run_sweep

ray = pytest.importorskip("ray", reason="ray backend needs the optional extra: pip install 'ganlab[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.timeout(180)
def test_ray_backend_runs_the_same_runs_and_resumes(local_ray, tmp_path):
    spec = SweepSpec(dataset="ring8", grid={"d_lr": ["0.05", "0.1"]}, seeds=1, epochs=30, every=10)
    local = run_sweep(spec, tmp_path / "local", workers=1, reports=False)
    remote = run_sweep(spec, tmp_path / "ray", backend="ray", reports=False)
    assert remote.executed == 2 and (tmp_path / "ray" / "runs.csv").exists() is False  # reports off
    by_hash = {r["hash"]: r["final"] for r in local.results}
    assert all(r["final"] == by_hash[r["hash"]] for r in remote.results)  # same seeded runs
    assert run_sweep(spec, tmp_path / "ray", backend="ray", reports=False).executed == 0
