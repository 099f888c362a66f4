"""A corpus of hostile network files, built from our own stand-in classes (no NVIDIA code).

Each builder returns the bytes of one file that is a few hundred bytes to a few KB long but
would cost gigabytes, hours, or a command run, if a loader trusted it. `write_corpus(folder,
marker)` writes them all (plus one real, tiny network as a control that must load); files
that try to run code would create `marker`. Run by hand to see the figures:

    PYTHONPATH=. python tests/stylegan3/loader_corpus.py [CHECKOUT]

builds the corpus in a temp folder and loads each file in a capped subprocess, with the
loader of this checkout (or of CHECKOUT, e.g. an older one to compare).
"""

from __future__ import annotations

import codecs
import collections
import functools
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sg3_pickles import EasyDict, Persistent, RawOps, Reduce, dumps, load_from_bytes_call, snapshot

from ganlab.stylegan3.loader import FORMAT_TAG

RUNNER = Path(__file__).with_name("corpus_runner.py")
REPO = Path(__file__).resolve().parents[2]
SG3_KWARGS = dict(
    z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3,
    channel_base=32768, channel_max=512, magnitude_ema_beta=0.999,
)  # fmt: skip


def shared_list(levels: int = 40) -> list:
    """[x, x] forty times over: ~600 bytes pickled (the memo shares x), 2**40 items expanded."""
    x: list = []
    for _ in range(levels):
        x = [x, x]
    return x


def shared_tuple(levels: int = 40) -> tuple:
    """The same with tuples: hashing it (as a dict key or set member) takes 2**40 steps."""
    t: tuple = ()
    for _ in range(levels):
        t = (t, t)
    return t


def tuple_key_dict(levels: int = 40) -> RawOps:
    """{shared_tuple(): 1} as raw protocol-3 opcodes (building it in Python would hash the key).
    Its memo slots are far above the pickler's own, so both can share one file."""
    slot = lambda i: struct.pack("<I", 1_000_000 + i)  # noqa: E731
    ops = b"}" + b")" + b"r" + slot(0) + b"0"  # EMPTY_DICT; EMPTY_TUPLE, LONG_BINPUT, POP
    for i in range(levels):
        ops += b"j" + slot(i) + b"j" + slot(i) + b"\x86" + b"r" + slot(i + 1) + b"0"  # (t, t)
    return RawOps(ops + b"j" + slot(levels) + b"K\x01" + b"s")  # key, BININT1 1, SETITEM


def deep_list(depth: int = 100_000) -> RawOps:
    """A list nested `depth` levels: EMPTY_LIST x depth, then APPEND x depth-1."""
    return RawOps(b"]" * depth + b"a" * (depth - 1))


def generator(kwargs: dict | None = None, extra_modules: dict | None = None, **state) -> Persistent:
    """A Generator object that passes the StyleGAN3 shape checks, with chosen kwargs and state."""
    kw = dict(SG3_KWARGS) if kwargs is None else kwargs
    if isinstance(kw.get("mapping_kwargs"), dict):
        kw["mapping_kwargs"] = EasyDict(kw["mapping_kwargs"])
    synthesis = Persistent("SynthesisNetwork", {"_modules": {"input": Persistent("SynthesisInput", {}),
                                                             **(extra_modules or {})}})
    return Persistent("Generator", {"_modules": {"synthesis": synthesis}, "_init_kwargs": kw, **state})


def net(g: Persistent, protocol: int = 4, **top) -> bytes:
    return dumps({"G_ema": g, **top}, protocol=protocol)


def storage_call(n: int = 1) -> Reduce:
    """A real legacy storage stream of n float32 zeros, as torch.storage._load_from_bytes(...)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        payload = torch.zeros(n).storage().__reduce__()[1][0]
    return load_from_bytes_call(payload)


def tensor_call(storage: Reduce, offset: int, size: tuple, stride: tuple) -> Reduce:
    return Reduce(torch._utils._rebuild_tensor_v2, storage, offset, size, stride, False, collections.OrderedDict())


def with_kwargs(**changes) -> bytes:
    kw = {**SG3_KWARGS, **changes}
    return net(generator(kw))


def safetensors_file(config_text: str) -> bytes:
    from safetensors.torch import save

    meta = {"format": FORMAT_TAG, "version": "1", "ganlab.config": config_text}
    return save({"x": torch.zeros(1)}, metadata=meta)


def tiny_network() -> bytes:
    """A real (untrained) StyleGAN3 network, small enough to load in a fraction of a second."""
    from ganlab.stylegan3.networks import Generator

    torch.manual_seed(0)
    G = Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3, channel_base=64, channel_max=8,
                  num_layers=4, mapping_kwargs={"num_layers": 1})  # fmt: skip
    return dumps(snapshot(G, {"b4.fc.weight": torch.zeros(2, 2)}))


def builders(marker: Path) -> dict[str, Callable[[], bytes]]:
    """name -> bytes of the file. The expected outcome of all but 'control.pkl' is refusal."""
    touch = f"touch {marker}"
    write = f"open({str(marker)!r}, 'w').close()"
    return {
        # Structures whose expansion, hashing or printing is exponential or deep.
        "shared_list_bomb.pkl": lambda: net(generator(dict(SG3_KWARGS, bomb=shared_list()))),
        "shared_list_bomb_30.pkl": lambda: net(generator(dict(SG3_KWARGS, bomb=shared_list(30)))),
        "shared_list_training_set.pkl": lambda: net(generator(), training_set_kwargs={"x": shared_list(30)}),
        "tuple_key_hash_bomb.pkl": lambda: net(generator(), 3, training_set_kwargs=tuple_key_dict()),
        "set_hash_bomb.pkl": lambda: net(generator(), training_set_kwargs=Reduce(set, [shared_tuple()])),
        "ordered_dict_hash_bomb.pkl": lambda: net(
            generator(), training_set_kwargs=Reduce(collections.OrderedDict, [(shared_tuple(), 1)])
        ),
        "class_name_bomb.pkl": lambda: net(_named(shared_list())),
        "shared_module_bomb.pkl": lambda: net(generator(extra_modules={"L0": _module_dag()})),
        "deep_list.pkl": lambda: net(generator(dict(SG3_KWARGS, bomb=deep_list()))),
        # Tensors that claim more memory than their storage holds.
        "zero_stride_tensor.pkl": lambda: net(_with_tensor(tensor_call(storage_call(), 0, (2**15, 2**15), (0, 0)))),
        "overlapping_tensor.pkl": lambda: net(
            generator(_buffers={"x": tensor_call(storage_call(2**16), 0, (2**15, 2**15), (1, 1))})
        ),
        "shared_storage_tensors.pkl": lambda: net(generator(_buffers=_many_views(storage_call(2**18), 400))),
        "offset_beyond_storage.pkl": lambda: net(_with_tensor(tensor_call(storage_call(), 10**9, (4,), (1,)))),
        "huge_declared_bytearray.pkl": lambda: b"\x80\x05\x96" + struct.pack("<Q", 2**40) + b".",
        "opcode_flood.pkl": lambda: b"\x80\x04" + b"]" * 300_000 + b"0" * 300_000 + b"N.",  # 600 KB of list, pop
        # Constructor arguments that would build an enormous network.
        "kwargs_mapping_layers.pkl": lambda: with_kwargs(mapping_kwargs={"num_layers": 100_000}),
        "kwargs_resolution.pkl": lambda: with_kwargs(img_resolution=2**20),
        "kwargs_channels.pkl": lambda: with_kwargs(img_channels=10**9),
        "kwargs_channel_max.pkl": lambda: with_kwargs(channel_max=10**6, channel_base=2**30),
        "kwargs_estimate.pkl": lambda: with_kwargs(channel_max=2048, conv_kernel=7, num_layers=64),
        "kwargs_wrong_type.pkl": lambda: with_kwargs(img_resolution=[256]),
        "safetensors_kwargs.safetensors": lambda: safetensors_file(
            json.dumps({**SG3_KWARGS, "mapping_kwargs": {"num_layers": 100_000}})
        ),
        "safetensors_deep_json.safetensors": lambda: safetensors_file("[" * 100_000 + "]" * 100_000),
        "safetensors_huge_header.safetensors": lambda: struct.pack("<Q", 2**62) + b'{"__metadata__": {}}',
        "safetensors_bad_header.safetensors": lambda: struct.pack("<Q", 40) + b'{"__metadata__": [1, 2' + b" " * 40,
        # numpy: no constructor, no object arrays.
        "ndarray_object.pkl": lambda: net(generator(dict(SG3_KWARGS, x=Reduce(np.ndarray, (10**8,), "O")))),
        "ndarray_large.pkl": lambda: net(generator(dict(SG3_KWARGS, x=Reduce(np.ndarray, (10**8,), "f8")))),
        "numpy_object_dtype.pkl": lambda: net(generator(dict(SG3_KWARGS, x=Reduce(np.dtype, "O", False, True)))),
        # Code execution: each would create the marker file.
        "global_os_system.pkl": lambda: net(generator(), augment_pipe=Reduce(os.system, touch)),
        "global_eval.pkl": lambda: net(Reduce(eval, write)),
        "global_exec.pkl": lambda: net(Reduce(exec, write)),
        "global_subprocess.pkl": lambda: net(Reduce(subprocess.check_call, ["touch", str(marker)])),
        "global_partial.pkl": lambda: net(Reduce(functools.partial(os.system, touch))),
        "global_torch_load.pkl": lambda: net(Reduce(torch.load, str(marker))),
        "codecs_other_encoding.pkl": lambda: net(Reduce(codecs.encode, "x", "rot13")),
        "nested_storage_os_system.pkl": lambda: net(_with_tensor(load_from_bytes_call(_evil_stream(touch)))),
        # Plain garbage.
        "truncated.pkl": lambda: tiny_network()[:5000],
        "garbage.pkl": lambda: bytes(range(256)) * 4,
        "pickle_garbage.pkl": lambda: b"\x80\x04" + bytes(range(2, 256)) * 4,
        "control.pkl": tiny_network,
    }  # fmt: skip


def _with_tensor(tensor: Reduce) -> Persistent:
    return generator(_buffers={"x": tensor})


def _named(name: object) -> Persistent:
    g = generator()
    g.meta["class_name"] = name
    return g


def _module_dag(levels: int = 40) -> Persistent:
    """A module whose two children are the same module, forty levels down: 2**40 paths."""
    m = Persistent("Leaf", {"_modules": {}})
    for _ in range(levels):
        m = Persistent("Node", {"_modules": {"a": m, "b": m}})
    return m


def _many_views(storage: Reduce, count: int) -> dict:
    """`count` tensors that each view the whole of one 1 MB storage: 1 MB in the file, count MB cloned."""
    return {f"v{i}": tensor_call(storage, 0, (2**18,), (1,)) for i in range(count)}


class _Evil:
    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def _evil_stream(command: str) -> bytes:
    import pickle

    return pickle.dumps(_Evil(command), protocol=2)


def write_corpus(folder: Path, marker: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in builders(marker).items():
        path = folder / name
        path.write_bytes(build())
        paths.append(path)
    return paths


def run_corpus(paths: list[Path], cap_mb: int = 1024, limit_s: float = 10.0, code: Path = REPO) -> list[dict]:
    """Load each file in a fresh fork of one subprocess, under an address-space cap and a time
    limit, with the loader of the checkout at `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(cap_mb), str(limit_s), *map(str, paths)],
        capture_output=True, text=True, timeout=60 + limit_s * len(paths), env=env,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"corpus runner failed: {proc.stderr[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def table(results: list[dict]) -> str:
    lines = [f"{'file':<36}{'outcome':<10}{'s':>7}{'MB':>7}  error"]
    for r in results:
        lines.append(f"{r['file']:<36}{r['outcome']:<10}{r['seconds']:>7.3f}{r['rss_mb']:>7.1f}  "
                     f"{r.get('error_type', '')}: {r.get('message', '')[:90]}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "pwned"
        code = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO  # another checkout, to compare
        results = run_corpus(write_corpus(Path(tmp) / "corpus", marker), code=code)
        print(table(results))
        print("marker file created:", marker.exists())
