"""Property-based fuzzing of TrainParams patches as the socket's `set` applies them (issue 9, Tests).

A patch is applied whole or not at all: refused with the field named and nothing changed,
or applied exactly as pydantic validates it, and never with a bool or a string as a number.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given

from ganlab.gan2d import Trainer
from ganlab.gan2d.params import TrainParams
from ganlab.server.gan2d.errors import ProtocolError
from ganlab.server.gan2d.ops import run_op
from ganlab.server.gan2d.protocol import check_patch_types
from ganlab.server.gan2d.training_loop import TrainingLoop
from tests.server.test_fuzz import FUZZ, PATCHES

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def loop() -> TrainingLoop:
    """A TrainingLoop whose ops run right here, on the test's thread (its thread never starts)."""
    loop = TrainingLoop(frame_hz=30, grid_size=16, history_limit=100)
    loop.trainer = Trainer()
    return loop


@FUZZ
@given(patch=PATCHES)
def test_train_params_patches_apply_whole_or_not_at_all(loop: TrainingLoop, patch: dict) -> None:
    before = (loop.trainer.params, loop.trainer.run_id, loop.params_version)
    try:
        check_patch_types(patch)
        reply = run_op("set_params", {"patch": patch}, loop)
    except ProtocolError as error:
        assert (loop.trainer.params, loop.trainer.run_id, loop.params_version) == before, "a refusal changed state"
        named = {*patch, "params"} | {k.split(".")[0] for k in patch if isinstance(k, str)}
        assert error.field is None or error.field in named or error.field.split(".")[0] in named, error.message
        return
    for key, value in patch.items():  # accepted: no bool or string slipped in as a number
        if TrainParams.model_fields[key].annotation in (int, float):
            assert not isinstance(value, bool | str), (key, value)
    assert reply["params"] == TrainParams.model_validate({**before[0].model_dump(), **patch}).model_dump(mode="json")
    with contextlib.suppress(ProtocolError):
        run_op("set_params", {"patch": TrainParams().model_dump()}, loop)  # cheap again for the next example
