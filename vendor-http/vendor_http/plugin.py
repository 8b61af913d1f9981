"""The plugin base every tap and target of the collection builds on.

:class:`VendorPlugin` is the wiring they share: one redactor (secret settings masked
in every log line), one retry policy and one rate budget per process, the setting
checks that JSON Schema cannot express, and the one place where a failure becomes
the user's message (:meth:`VendorPlugin.invoke`). :class:`VendorTap` and
:class:`VendorTarget` add it to the SDK's ``Tap`` and ``Target``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter

from vendor_http.errors import EXPLAINED_FAILURES, failure_message
from vendor_http.rate_budget import RateBudget
from vendor_http.redaction import MASK, Redactor, install_redaction, redact
from vendor_http.retry import RetryPolicy
from vendor_http.sdk_seam import PluginSeam, TargetSeam
from vendor_http.settings import check_api_url, decimal_string_checks, decimal_strings_accepted, validate_settings
from vendor_http.summary import RunSummary, bookmarks_of
from vendor_http.transport import TransportLimits

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping


_BUDGETS: dict[tuple[t.Any, ...], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()

#: The start of the ERROR line the SDK's ``Stream.sync`` logs before re-raising any failure.
SDK_SYNC_FAILED_NOTICE = "An unhandled error occurred while syncing"


class ExplainedFailureNotice(logging.Filter):
    """Drops the SDK's "An unhandled error occurred while syncing" for an explained failure:
    the failure is handled, and the plugin's one line (:meth:`VendorPlugin.invoke`) says it all.
    A bug keeps the SDK's line. Attached to each stream's logger (the SDK logs it while the
    failure is being handled, so the failure is ``sys.exc_info()``)."""

    def __init__(self, explained: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.explained = explained

    def filter(self, record: logging.LogRecord) -> bool:
        """False (drop) for the SDK's notice of an explained failure."""
        if not record.getMessage().startswith(SDK_SYNC_FAILED_NOTICE):
            return True
        return not isinstance(sys.exc_info()[1], self.explained)


def secret_setting_names(config_jsonschema: Mapping[str, t.Any]) -> list[str]:
    """Names of the settings declared ``secret`` (``th.Property(..., secret=True)``)."""
    return [
        name
        for name, spec in config_jsonschema.get("properties", {}).items()
        if spec.get("secret") or spec.get("writeOnly")
    ]


class VendorPlugin(PluginSeam):
    """What every tap and target shares: redaction, retries, budget, setting checks, failures.

    Mixed in before the SDK's ``Tap`` or ``Target``. Subclasses override
    :meth:`make_rate_budget` with the vendor's limits and :meth:`settings_checks`
    with checks JSON Schema cannot express; ``explained_failures`` lists the
    exception types reported as one line (every :class:`~vendor_http.ExplainedError`
    already is).
    """

    #: Failures reported as ``<plugin> stopped: <message>`` and exit code 1, no traceback.
    explained_failures: t.ClassVar[tuple[type[BaseException], ...]] = EXPLAINED_FAILURES

    if t.TYPE_CHECKING:  # provided by the SDK's plugin classes
        name: str
        config: Mapping[str, t.Any]
        config_jsonschema: t.ClassVar[dict[str, t.Any]]
        logger: logging.Logger

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        """Every number setting a plugin declares also takes a decimal string, so that
        every setting can be set from the environment (see ``decimal_strings_accepted``)."""
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("config_jsonschema")
        if isinstance(declared, dict):
            cls.config_jsonschema = decimal_strings_accepted(declared)

    def setup_plugin(self, *, validate_config: bool) -> None:
        """Mask the secrets in every log line, then check the settings before any request."""
        install_redaction(self.redactor)
        # A decimal setting that is not a number would break the first stream built, so it
        # is refused even where the SDK checks nothing (discovery), with a line naming it.
        checks = decimal_string_checks(self.config_jsonschema)
        if validate_config:
            checks |= self.settings_checks()
        validate_settings(self.config, checks)
        _ = self.run_summary  # counts from here
        VendorPlugin._latest = self

    # Created on first use: the SDK builds a tap's streams inside Tap.__init__.

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
    def transport_limits(self) -> TransportLimits:
        """Total deadline and size bound of every request, from the settings."""
        return TransportLimits.from_config(self.config)

    @cached_property
    def rate_budget(self) -> RateBudget:
        """The one budget all requests of this plugin share, process-wide.

        Plugin objects of the same plugin created in one process (the SDK's own
        tests do that) get the same budget object when their limits are equal.
        """
        budget = self.make_rate_budget()
        lock = budget.machine_lock.path if budget.machine_lock is not None else None
        key = (self.name, budget.min_interval, budget.max_in_flight, budget.windows, lock)
        with _BUDGETS_LOCK:
            return _BUDGETS.setdefault(key, budget)

    def masked_config_errors(self, errors: list[str]) -> list[str]:
        """The SDK's settings errors without the value of any secret setting.

        A secret of the wrong type (a numeric token) is quoted by the SDK's message; its
        every written form is masked, however short, and the value joins the redactor
        (whose log record factory is installed here, before the SDK reports anything).
        """
        values = [self.config.get(name) for name in secret_setting_names(self.config_jsonschema)]
        forms: set[str] = set()
        for value in values:
            if value is None or value == "":
                continue
            forms |= {str(value), repr(value)}
            with contextlib.suppress(TypeError, ValueError):
                forms.add(json.dumps(value))
        install_redaction(self.redactor)
        ordered = sorted((form for form in forms if form), key=len, reverse=True)
        masked = []
        for error in errors:
            for form in ordered:
                error = error.replace(form, MASK)
            masked.append(error)
        return masked

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Setting name → check returning an error message (``None`` = fine)."""
        return {"api_url": check_api_url}

    def make_rate_budget(self) -> RateBudget:
        """The vendor's documented limits; by default no proactive limit."""
        return RateBudget()

    # The run summary (vendor_http.summary)

    #: The plugin object created last (by ``invoke``), whose summary ``invoke`` logs. A strong
    #: reference: the SDK's ``invoke`` drops its own before the summary of a run that ended.
    _latest: t.ClassVar[VendorPlugin | None] = None

    @cached_property
    def run_summary(self) -> RunSummary:
        """What this run did; streams and sinks add to it, ``invoke`` logs it at the end."""
        return RunSummary(self.name, self.rate_budget)

    def summary_bookmarks(self) -> dict[str, str]:
        """Stream → the bookmark reached, for the summary (taps: from their state)."""
        return {}

    def summary_details(self) -> list[str]:
        """The plugin's own summary lines (e.g. each import of a target)."""
        return []

    def log_summary(self, *, failed: bool) -> None:
        """Log the run summary once, if the run did any work."""
        summary = self.run_summary
        if summary.active:
            summary.log(self.logger, failed=failed, bookmarks=self.summary_bookmarks(), details=self.summary_details())

    @classmethod
    def _log_latest_summary(cls, *, failed: bool) -> None:
        plugin, VendorPlugin._latest = VendorPlugin._latest, None
        if plugin is not None:
            try:
                plugin.log_summary(failed=failed)
            except Exception:  # the summary must never hide the run's own outcome
                cls.logger.exception("%s: the run summary could not be written", cls.name)

    # Failures

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        """Run the plugin's command; the one place where a failure becomes the user's message.

        An explained failure ends the run with one line, ``<plugin> stopped:
        <message>``, and exit code 1. Anything else is a bug: its traceback is
        kept, followed by a line saying so, and the exit code is 1 as well. The run
        summary (:mod:`vendor_http.summary`) comes first, whether the run ended or failed.
        """
        VendorPlugin._latest = None
        try:
            super().invoke(*args, **kwargs)  # type: ignore[misc]
        except cls.explained_failures as error:
            cls._log_latest_summary(failed=True)
            cls.logger.error("%s stopped: %s", cls.name, failure_message(error))  # no traceback: the message is all
            sys.exit(1)
        except Exception as error:
            cls._log_latest_summary(failed=True)
            cls.logger.critical("%s failed unexpectedly", cls.name, exc_info=error)
            cls.logger.critical(
                "%s stopped by a bug (%s: %s); please report it with the traceback above",
                cls.name,
                type(error).__name__,
                redact(str(error)),
            )
            sys.exit(1)
        cls._log_latest_summary(failed=False)


class VendorTap(VendorPlugin, Tap):
    """A tap with one rate budget, one retry policy and one redactor for all streams."""

    message_writer_class = MsgSpecWriter

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Initialize the tap, then check settings before any request is made."""
        super().__init__(*args, **kwargs)
        self.setup_plugin(validate_config=kwargs.get("validate_config", True))
        for stream in self.streams.values():
            if not any(isinstance(f, ExplainedFailureNotice) for f in stream.logger.filters):
                stream.logger.addFilter(ExplainedFailureNotice(self.explained_failures))

    def summary_bookmarks(self) -> dict[str, str]:
        """The bookmarks in the tap's state as the run leaves it."""
        try:
            return bookmarks_of(self.state)
        except RuntimeError:  # no state yet
            return {}


class VendorTarget(VendorPlugin, TargetSeam):
    """A target with the same wiring; ``state_received``/``write_state`` see and emit STATE."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Initialize the target, then check settings before any record is read."""
        super().__init__(*args, **kwargs)
        self.setup_plugin(validate_config=kwargs.get("validate_config", True))
