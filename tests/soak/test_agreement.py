"""Our models and the emulator's independent validator agree on arbitrary requests.

Anything the models reject never reaches the emulator; anything they accept,
the emulator's own validation (written from the botocore shapes, sharing no
code with ``export_kit.models``) accepts too.  A disagreement is a bug in one
of them.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from botocore.model import OperationModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export_kit import ExportKit, InvalidRequestError, RequestValidationError, ServiceError
from export_kit.local import Emulator
from export_kit.paging import Pager
from tests.models._botocore_shapes import SCOPE, operations, structure_strategy
from tests.models._mutations import mutations

OPS = [op for svc in SCOPE for op in operations(svc)]

#: The error codes each service uses for "your request is malformed".
VALIDATION_CODES = {
    "ValidationException",
    "InvalidInputException",
    "InvalidParameterValueException",
    "InvalidParameterException",
    "SerializationException",
}


class Harness:
    """One emulator and one ExportKit living on a portal's event loop for all examples."""

    def __init__(self, portal: BlockingPortal, emu: Emulator, kit: ExportKit) -> None:
        self.portal = portal
        self.emu = emu
        self.kit = kit

    def call(self, op: OperationModel, params: dict[str, Any]) -> object:
        facade = getattr(self.kit, op.service_model.service_name)
        method = getattr(
            facade,
            op.name[0].lower()
            + "".join("_" + c.lower() if c.isupper() else c for c in op.name[1:]),
        )

        models = importlib.import_module(f"export_kit.models.{op.service_model.service_name}")
        request_cls = getattr(models, f"{op.name}Request")

        async def send() -> object:
            # Wire-named input goes through the request model (facade keywords are snake_case).
            result = method(request_cls.model_validate(params))
            if isinstance(result, Pager):
                async for page in result.pages():
                    return page
                return None
            return await result

        return self.portal.call(send)


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with start_blocking_portal() as portal:
        emu = portal.call(_start_emulator)
        kit_cm: AbstractContextManager[ExportKit] = portal.wrap_async_context_manager(
            ExportKit(**emu.kit_kwargs())
        )
        with kit_cm as kit:
            yield Harness(portal, emu, kit)
        portal.call(emu.stop)


async def _start_emulator() -> Emulator:
    emu = Emulator(clock="manual")
    await emu.start()
    return emu


def follow_service_rules(op: OperationModel, params: dict[str, Any]) -> None:
    """Apply the rules AWS documents in prose but the botocore model cannot express.

    Discovery export filters support only ``agentIds`` with ``EQUALS``, its
    ``maxResults`` must be positive (the model types it as a bare Integer), and
    ``startTime`` may not follow ``endTime``.  These are service semantics, not shape
    constraints, so the generated models leave them to the service.
    """
    if op.service_model.service_name != "discovery":
        return
    for item in params.get("filters", []):
        item["name"], item["condition"] = "agentIds", "EQUALS"
    if "maxResults" in params and op.name == "DescribeExportTasks":
        params["maxResults"] = max(1, params["maxResults"])
    if "startTime" in params and "endTime" in params:
        params["startTime"], params["endTime"] = sorted((params["startTime"], params["endTime"]))


@pytest.mark.parametrize("op", OPS, ids=[f"{o.service_model.service_name}.{o.name}" for o in OPS])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_models_and_emulator_agree(
    harness: Harness, op: OperationModel, data: st.DataObject
) -> None:
    assert op.input_shape is not None
    params = data.draw(structure_strategy(op.input_shape))
    # Page tokens are opaque: only the server mints valid ones, so a made-up token is
    # rightly refused by the service (m2 says ValidationException) though well formed.
    params.pop("nextToken", None)
    follow_service_rules(op, params)
    if data.draw(st.booleans(), label="mutate"):
        found = list(mutations(params, op.input_shape, [], data.draw))
        if found:
            params = copy.deepcopy(params)
            data.draw(st.sampled_from(found), label="mutation").apply(params)
    before = harness.emu.total_requests
    try:
        harness.call(op, params)
    except RequestValidationError:
        assert harness.emu.total_requests == before, "a rejected request reached the wire"
        return
    except InvalidRequestError as exc:
        disagreement = exc.code in VALIDATION_CODES
        if disagreement:
            pytest.fail(
                f"our models accepted what the emulator rejects: {exc.message} ({params!r})"
            )
    except ServiceError:
        pass  # not found, conflict, bad next token...: not a validation disagreement
    assert harness.emu.total_requests > before
