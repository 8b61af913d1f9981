"""Redirects: followed only within the origin of the request, never anywhere else.

The policy, the same for every plugin and every request (SDK streams, ``VendorSession``,
authenticators' token requests): a redirect whose target has the same scheme, host and port as
the request is followed (at most :data:`MAX_REDIRECTS` hops, with ``requests``' rules for the
method: 301/302/303 become a GET without body, 307/308 keep both). A redirect anywhere else is
not followed: nothing, neither a credential nor a body, is sent to the other origin, and the
request fails with :class:`RedirectRefusedError`, naming the request and the target's origin.
Since the first request's URL passed :func:`~vendor_http.check_api_url` (https, or http on a
loopback host), every request that is sent does too: there is no downgrade to plain http.

``requests`` itself would follow any redirect, strip only the ``Authorization`` header on a
host change (not ``Rick-Auth-Token`` or ``Access-Token``) and re-post the body on 307/308.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

import requests

from vendor_http.errors import ExplainedError
from vendor_http.redaction import redact, redact_url

#: Same-origin hops followed for one request before it fails.
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RedirectRefusedError(ExplainedError):
    """The vendor redirected a request to another origin; it was not followed."""


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the port filled in for http and https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def origin_text(url: str) -> str:
    """``scheme://host:port`` of ``url`` (no userinfo, path or query), for messages."""
    scheme, host, port = origin(url)
    return redact(f"{scheme}://{host}" + (f":{port}" if port else ""))


class RedirectGuardedSession(requests.Session):
    """A ``requests`` session that follows redirects only within the request's origin.

    Every request goes out with ``allow_redirects=False``; the next hop that ``requests``
    prepared (``response.next``) is sent only if it has the first request's origin.
    """

    def __init__(self, *, vendor_name: str = "the vendor") -> None:
        """``vendor_name`` names the vendor in a refused redirect's message."""
        super().__init__()
        self.vendor_name = vendor_name
        self.max_redirects = MAX_REDIRECTS

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:  # type: ignore[override]
        """Send ``request``; follow same-origin redirects if ``allow_redirects`` (default)."""
        follow = kwargs.pop("allow_redirects", True)
        response = self.send_one(request, **kwargs)
        history: list[requests.Response] = []
        while follow and response.is_redirect and response.next is not None:
            hop = response.next
            if origin(hop.url or "") != origin(request.url or ""):
                raise RedirectRefusedError(self.refusal(request, response, hop.url or ""))
            history.append(response)
            if len(history) > self.max_redirects:
                msg = (
                    f"{self.vendor_name} redirected {request.method} {redact_url(request.url or '')} "
                    f"more than {self.max_redirects} times; check 'api_url'"
                )
                raise RedirectRefusedError(msg)
            response = self.send_one(hop, **kwargs)
        if history:
            response.history = history
        return response

    def send_one(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        """One hop; a failure names its request (``requests`` leaves it out when a body breaks off)."""
        try:
            return super().send(request, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            if error.request is None:
                error.request = request
            raise

    def refusal(self, request: requests.PreparedRequest, response: requests.Response, target: str) -> str:
        """The one-line message of a refused cross-origin redirect."""
        return (
            f"{self.vendor_name} answered {response.status_code} to {request.method} "
            f"{redact_url(request.url or '')} with a redirect to {origin_text(target)}, another origin; "
            f"it was not followed, so that no credential or data leaves {origin_text(request.url or '')}. "
            "Check 'api_url' (redirects are followed only within its scheme, host and port)"
        )
