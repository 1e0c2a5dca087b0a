"""Reading, and optionally checking, the SigV4 ``Authorization`` header.

The credential scope names the service (``m2``, ``personalize``, ``discovery``, ``sdb``,
``omics``) and the region; the emulator routes on it.  Verification recomputes the
signature with botocore's own ``SigV4Auth`` over exactly the headers the client signed.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import NamedTuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/\s]+)/\d{8}/(?P<region>[^/\s]+)/"
    r"(?P<service>[^/\s]+)/aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)


class Authorization(NamedTuple):
    """The parts of a SigV4 ``Authorization`` header (a tuple: every request builds one)."""

    access_key: str
    region: str
    service: str
    #: The signed header names as sent: ``host;x-amz-date``.
    signed_headers: str
    signature: str


def parse(header: str | None) -> Authorization | None:
    """The parsed header, or ``None`` when it is absent or not SigV4."""
    if not header:
        return None
    match = _AUTH.match(header.strip())
    if match is None:
        return None
    return Authorization._make(match.groups())


def verify(
    auth: Authorization,
    *,
    secret_key: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> bool:
    """Whether the request's signature matches one computed with ``secret_key``."""
    amz_date = headers.get("x-amz-date") or headers.get("X-Amz-Date")
    if amz_date is None:
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    names = auth.signed_headers.split(";")
    signed = {name: lowered[name] for name in names if name in lowered}
    if len(signed) != len(names):
        return False
    request = AWSRequest(method=method, url=url, headers=signed, data=body)
    request.context["timestamp"] = amz_date
    token = lowered.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(auth.access_key, secret_key, token), auth.service, auth.region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return hmac.compare_digest(str(expected), auth.signature)
