"""A made-up vendor, Acme, with the smallest tap and target built on vendor-http.

The tests of the shared layer use them in-process and, for the command line, as a
script: ``python acme_plugin.py tap|target --config …``.
"""

from __future__ import annotations

import sys
import typing as t

from singer_sdk import typing as th
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.sinks import BatchSink

from vendor_http import (
    RateBudget,
    VendorRESTStream,
    VendorTap,
    VendorTarget,
    api_url_setting,
    retry_settings,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk import Stream
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext

SECRET = "acme-secret-token-12345"

SETTINGS = th.PropertiesList(
    api_url_setting("https://api.acme.test"),
    th.Property("api_token", th.StringType, required=True, secret=True),
    th.Property("days", th.ArrayType(th.StringType)),
    th.Property("requests_per_second", th.IntegerType),
    th.Property("bug", th.BooleanType, default=False),
    *retry_settings(),
).to_dict()


class ItemsStream(VendorRESTStream[t.Any]):
    """``GET /items?day=…``: ``{"items": [...]}``, one request per day, bookmarked by day."""

    name = "items"
    path = "/items"
    vendor_name = "Acme"
    primary_keys = ("id",)
    replication_key = "day"
    is_sorted = True
    bookmark_by_window = True
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("day", th.StringType, required=True),
        th.Property("note", th.StringType),
        th.Property("amount", th.NumberType),
    ).to_dict()

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="X-Token", value=str(self.config["api_token"]), location="header")

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        request.params = {"day": (page.stream_context or {}).get("day", "")}
        return request

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        for item in response.json()["items"]:
            if self.config.get("bug"):
                _ = item["no such field"]  # a genuine bug, for the failure tests
            yield self.validate_record(item)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        for day in self.config.get("days") or []:
            yield from self.request_records({"day": day})
            self.complete_window(day, context=context)


class AcmeTap(VendorTap):
    """A tap of one stream."""

    name = "tap-acme"
    config_jsonschema = SETTINGS

    def make_rate_budget(self) -> RateBudget:
        per_second = self.config.get("requests_per_second")
        return RateBudget(min_interval=1 / per_second) if per_second else RateBudget()

    def discover_streams(self) -> list[Stream]:
        return [ItemsStream(self)]


class NotesSink(BatchSink):
    """Keeps the records it was given (on the target)."""

    def __init__(self, target: AcmeTarget, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.acme_target = target

    def process_record(self, record: dict, context: dict) -> None:
        _ = context
        if self.config.get("bug"):
            _ = record["no such field"]
        self.acme_target.records.append(record)

    def process_batch(self, context: dict) -> None:
        _ = context


class AcmeTarget(VendorTarget):
    """A target that notes the records and STATE messages it sees."""

    name = "target-acme"
    config_jsonschema = SETTINGS
    default_sink_class = NotesSink

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: list[dict[str, t.Any]] = []
        self.states: list[dict[str, t.Any]] = []

    def state_received(self, state: dict[str, t.Any]) -> None:
        self.states.append(state)
        self.write_state({"seen": len(self.records), **state})


if __name__ == "__main__":
    plugin = {"tap": AcmeTap, "target": AcmeTarget}[sys.argv.pop(1)]
    plugin.cli()
