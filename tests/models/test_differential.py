"""Differential tests: our request models against botocore's own ParamValidator.

1. Requests generated from the botocore shapes, accepted by botocore and meeting
   the max/pattern/enum rules, are accepted by our models and ``to_api()``
   returns exactly the same dict.
2. Each single mutation that breaks one rule is rejected, naming the wire path
   and the rule.

What botocore's ParamValidator does **not** check, and we do (asserted below
for each mutation of these kinds, so the list stays true as botocore evolves):
maximum string length, maximum list size, numeric maximum, ``pattern`` and
``enum``.  Botocore does check required members, unknown keys, types and the
minimums, so those mutations are rejected by both.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from export_kit._shapes import OperationRequest
from export_kit.errors import RequestValidationError

from ._botocore_shapes import SCOPE, operations, structure_strategy
from ._mutations import mutations

OPS = [op for svc in SCOPE for op in operations(svc)]
NOT_CHECKED_BY_BOTOCORE = {"max_length", "max_items", "max", "pattern", "enum"}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def request_class(op: OperationModel) -> type[OperationRequest[Any]]:
    mod = importlib.import_module(f"export_kit.models.{op.service_model.service_name}")
    assert op.input_shape is not None
    cls: type[OperationRequest[Any]] = getattr(mod, op.input_shape.name)
    return cls


def botocore_accepts(params: dict[str, Any], shape: Shape) -> bool:
    return not ParamValidator().validate(params, shape).has_errors()


def validate(op: OperationModel, params: dict[str, Any]) -> RequestValidationError | None:
    cls = request_class(op)
    try:
        cls.model_validate(params)
    except RequestValidationError as exc:
        return exc
    return None


@pytest.mark.parametrize("op", OPS, ids=[f"{o.service_model.service_name}.{o.name}" for o in OPS])
@SETTINGS
@given(data=st.data())
def test_valid_requests_round_trip(op: OperationModel, data: st.DataObject) -> None:
    assert op.input_shape is not None
    params = data.draw(structure_strategy(op.input_shape))
    assume(botocore_accepts(params, op.input_shape))
    request = request_class(op).model_validate(params)
    assert request.to_api() == params


# -- mutations ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=[f"{o.service_model.service_name}.{o.name}" for o in OPS])
@SETTINGS
@given(data=st.data())
def test_each_mutation_is_rejected_with_its_path(op: OperationModel, data: st.DataObject) -> None:
    shape = op.input_shape
    assert shape is not None
    params = data.draw(structure_strategy(shape))
    assume(botocore_accepts(params, shape))
    found = list(mutations(params, shape, [], data.draw))
    assume(found)
    mutation = data.draw(st.sampled_from(found))
    broken = copy.deepcopy(params)
    mutation.apply(broken)
    error = validate(op, broken)
    assert error is not None, f"{mutation.rule} at {mutation.path} was accepted"
    assert error.operation == op.name
    at_path = {issue["rule"] for issue in error.errors() if issue["path"] == mutation.path}
    assert mutation.rule in at_path, (mutation, error.errors())
    if mutation.rule in NOT_CHECKED_BY_BOTOCORE:
        assert botocore_accepts(broken, shape), f"botocore now checks {mutation.rule}"


def test_examples_shipped_with_botocore_validate() -> None:
    """botocore's examples-1.json entries for these operations validate."""
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    checked = 0
    for op in OPS:
        service = op.service_model.service_name
        try:
            examples = loader.load_service_model(service, "examples-1").get("examples", {})
        except Exception:  # the service ships no examples file
            continue
        for example in examples.get(op.name, []):
            request_class(op).model_validate(example["input"])
            checked += 1
    if checked == 0:
        pytest.skip("botocore ships no examples for these 17 operations")
