"""The base every tap of the collection builds on."""

from __future__ import annotations

import threading
import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter

from vendor_http.rate_budget import RateBudget
from vendor_http.redaction import Redactor, install_redaction
from vendor_http.retry import RetryPolicy
from vendor_http.settings import check_api_url, validate_settings

if t.TYPE_CHECKING:
    from collections.abc import Callable


_BUDGETS: dict[tuple[t.Any, ...], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def secret_setting_names(config_jsonschema: dict[str, t.Any]) -> list[str]:
    """Names of the settings declared ``secret`` (``th.Property(..., secret=True)``)."""
    return [
        name
        for name, spec in config_jsonschema.get("properties", {}).items()
        if spec.get("secret") or spec.get("writeOnly")
    ]


class VendorTap(Tap):
    """A tap with one rate budget, one retry policy and one redactor for all streams.

    Subclasses declare ``config_jsonschema`` (including :func:`retry_settings`),
    override :meth:`make_rate_budget` with the vendor's limits and
    :meth:`settings_checks` with checks that JSON Schema cannot express.
    """

    message_writer_class = MsgSpecWriter

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Initialize the tap, then check settings before any request is made."""
        super().__init__(*args, **kwargs)
        install_redaction(self.redactor)
        if kwargs.get("validate_config", True):
            validate_settings(self.config, self.settings_checks())

    # Created on first use: the SDK builds the streams inside Tap.__init__.

    @cached_property
    def redactor(self) -> Redactor:
        """Masks the values of every secret setting (and secrets added later)."""
        return Redactor(
            str(self.config[name]) for name in secret_setting_names(self.config_jsonschema) if self.config.get(name)
        )

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """Retry knobs from the settings."""
        return RetryPolicy.from_config(self.config)

    @cached_property
    def rate_budget(self) -> RateBudget:
        """The one budget all streams of this plugin share, process-wide.

        Taps of the same plugin created in one process (the SDK's own tests do
        that) get the same budget object when their limits are equal.
        """
        budget = self.make_rate_budget()
        key = (self.name, budget.min_interval, budget.max_in_flight, budget.windows)
        with _BUDGETS_LOCK:
            return _BUDGETS.setdefault(key, budget)

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Setting name → check returning an error message (``None`` = fine)."""
        return {"api_url": check_api_url}

    def make_rate_budget(self) -> RateBudget:
        """The vendor's documented limits; by default no proactive limit."""
        return RateBudget()
