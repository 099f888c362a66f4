"""Safe loading: official-format pickles read as data, booby-trapped ones refused, nothing executed."""

import collections
import os
import pickle

import pytest
import torch
from sg3_fixtures import load_fixture
from sg3_pickles import (
    STYLEGAN2_SRC,
    Persistent,
    Reduce,
    dumps,
    generator_object,
    load_from_bytes_call,
    snapshot,
)

from ganlab.stylegan3 import load_network
from ganlab.stylegan3.loader import convert_to_safetensors, save_safetensors
from ganlab.stylegan3.safe_pickle import UnsafePickleError, UnsupportedNetworkError


@pytest.fixture(scope="module")
def t32():
    return load_fixture("official_t32")


def _images(G, fx):
    with torch.no_grad():
        return G.synthesis(G.mapping(fx.tensors["z"], None))


@pytest.mark.parametrize("protocol", [2, 3, 4])
@pytest.mark.parametrize("numpy1", [False, True])
def test_official_format_pickle_loads_and_matches(tmp_path, t32, protocol, numpy1):
    data = dumps(snapshot(t32.generator()), protocol=protocol, numpy1=numpy1)
    assert (b"numpy.core.multiarray" in data) == numpy1 and b"_reconstruct_persistent_obj" in data
    if protocol < 4:
        assert b"builtins\nset" in data or b"c__builtin__\nset" in data
    path = tmp_path / "net.pkl"
    path.write_bytes(data)
    net = load_network(path)
    assert net["format"] == "pickle" and net["G"].class_name == "Generator"
    assert net["D"].module_kind == "stylegan2" and "b4.fc.weight" in net["D"].state_dict
    assert net["training_set_kwargs"]["resolution"] == 32
    assert (_images(net["G_ema"], t32) - t32.tensors["case0.img"]).abs().max() < 1e-4


def _assert_refused(tmp_path, obj, marker, match):
    path = tmp_path / "evil.pkl"
    path.write_bytes(dumps(obj, protocol=4))
    with pytest.raises(UnsafePickleError, match=match):
        load_network(path)
    assert not marker.exists(), "the booby trap ran"


def test_reduce_calling_os_system_is_refused_and_does_not_run(tmp_path, t32):
    marker = tmp_path / "pwned"
    snap = snapshot(t32.generator())
    snap["augment_pipe"] = Reduce(os.system, f"touch {marker}")
    _assert_refused(tmp_path, snap, marker, r"refusing to load global '(posix|os|nt)\.system'")


def test_malicious_nested_storage_stream_is_refused(tmp_path, t32):
    marker = tmp_path / "pwned"
    evil_stream = pickle.dumps(_Evil(marker))  # a 'storage' whose unpickling runs a command
    snap = snapshot(t32.generator())
    snap["G_ema"].meta["state"]["_buffers"]["trap"] = load_from_bytes_call(evil_stream)
    _assert_refused(tmp_path, snap, marker, r"'(posix|os|nt)\.system' in a nested storage stream")


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("func", [exec, eval])
def test_unknown_globals_are_refused_by_name(tmp_path, func):
    marker = tmp_path / "pwned"
    obj = {"G_ema": Reduce(func, f"open({str(marker)!r}, 'w').close()")}
    _assert_refused(tmp_path, obj, marker, f"builtins.{func.__name__}")


def test_unlisted_torch_rebuild_is_refused(tmp_path):
    obj = {
        "G_ema": Reduce(
            torch._utils._rebuild_tensor_v3 if hasattr(torch._utils, "_rebuild_tensor_v3") else torch.load, 1
        )
    }
    path = tmp_path / "x.pkl"
    path.write_bytes(dumps(obj))
    with pytest.raises(UnsafePickleError, match="torch"):
        load_network(path)


def test_ordered_dict_containers_are_accepted(tmp_path, t32):
    snap = snapshot(t32.generator())
    state = snap["G_ema"].meta["state"]
    state["_modules"] = collections.OrderedDict(state["_modules"])
    path = tmp_path / "od.pkl"
    path.write_bytes(dumps(snap, protocol=3))
    assert load_network(path)["G_ema"].img_resolution == 32


def test_stylegan3_layout_with_stylegan2_source_is_refused(tmp_path, t32):
    snap = snapshot(t32.generator())
    snap["G_ema"] = generator_object(t32.generator(), STYLEGAN2_SRC)
    path = tmp_path / "sg2.pkl"
    path.write_bytes(dumps(snap))
    with pytest.raises(UnsupportedNetworkError, match="StyleGAN3 layout but stylegan2 source"):
        load_network(path)


def test_tensorflow_pickle_is_named_as_such(tmp_path):
    path = tmp_path / "tf.pkl"
    # A TF pickle's first global is dnnlib.tflib.network.Network; nothing after it is read.
    path.write_bytes(b"\x80\x03cdnnlib.tflib.network\nNetwork\nq\x00)\x81q\x01.")
    with pytest.raises(UnsupportedNetworkError, match="TensorFlow"):
        load_network(path)


def test_truncated_corrupt_and_non_pickle_files_get_clear_errors(tmp_path, t32):
    data = dumps(snapshot(t32.generator()))
    (tmp_path / "cut.pkl").write_bytes(data[: len(data) // 2])
    with pytest.raises(pickle.UnpicklingError, match="corrupt or truncated"):
        load_network(tmp_path / "cut.pkl")
    (tmp_path / "text.pkl").write_text("hello, I am not a pickle")
    with pytest.raises(pickle.UnpicklingError, match="not a pickle"):
        load_network(tmp_path / "text.pkl")
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "missing.pkl")


def test_not_a_persistent_object_is_refused(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(dumps({"G_ema": Persistent("Discriminator", {"_modules": {}})}))
    with pytest.raises(UnsupportedNetworkError):
        load_network(path)


def test_safetensors_round_trip_and_conversion(tmp_path, t32):
    G = t32.generator()
    out = tmp_path / "g.safetensors"
    save_safetensors(G, out)
    net = load_network(out)
    assert net["format"] == "safetensors" and net["G"] is None
    assert torch.equal(_images(net["G_ema"], t32), _images(G, t32))
    (tmp_path / "in.pkl").write_bytes(dumps(snapshot(G), protocol=3))
    convert_to_safetensors(tmp_path / "in.pkl", tmp_path / "conv.safetensors")
    G2 = load_network(tmp_path / "conv.safetensors")["G_ema"]
    assert (_images(G2, t32) - t32.tensors["case0.img"]).abs().max() < 1e-4


def test_foreign_safetensors_is_refused(tmp_path):
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not a ganlab StyleGAN3"):
        load_network(tmp_path / "other.safetensors")


def test_the_trap_used_above_is_live_under_plain_pickle(tmp_path):
    marker = tmp_path / "proof"
    pickle.loads(pickle.dumps(_Evil(marker)))  # plain pickle runs it: the refusals above are meaningful
    assert marker.exists()
