"""Settings every plugin shares, and checks that run before any request."""

from __future__ import annotations

import copy
import ipaddress
import re
import typing as t
from dataclasses import fields
from urllib.parse import urlsplit

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from vendor_http.redaction import redact_url

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping


_T = t.TypeVar("_T")


#: Field types ``from_settings`` converts to. The SDK hands numeric settings over as
#: ``decimal.Decimal`` (it parses config JSON that way), which does not mix with floats,
#: and a decimal setting set from the environment arrives as a string ("0.5").
_SCALARS: tuple[type, ...] = (int, float, str, bool)

#: A decimal number written as text, as it comes from an environment variable: "2", "0.5", "-1.25".
DECIMAL_STRING_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

_BOUNDS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "minimum": (lambda value, bound: value >= bound, "at least"),
    "maximum": (lambda value, bound: value <= bound, "at most"),
    "exclusiveMinimum": (lambda value, bound: value > bound, "more than"),
    "exclusiveMaximum": (lambda value, bound: value < bound, "less than"),
}


def from_settings(cls: type[_T], config: Mapping[str, t.Any]) -> _T:
    """An instance of the dataclass ``cls`` whose fields come from same-named settings.

    Unset settings keep the dataclass defaults. Values were checked against the
    plugin's settings schema already; here they are only converted to the field's
    declared scalar type (``Decimal("0.5")`` or the string ``"0.5"`` → ``0.5`` for a
    ``float`` field). Read every number setting through here (or ``float()``): a
    decimal setting may be a string (see :func:`decimal_strings_accepted`).
    """
    hints = t.get_type_hints(cls)
    values: dict[str, t.Any] = {}
    for field in fields(cls):  # type: ignore[arg-type]
        value = config.get(field.name)
        if value is None:
            continue
        kind = hints.get(field.name)
        if kind is float and isinstance(value, str) and re.fullmatch(DECIMAL_STRING_PATTERN, value) is None:
            message = f"setting '{field.name}' must be a decimal number such as 0.5, got {value!r}"
            raise ConfigValidationError("Config validation failed", errors=[message])
        values[field.name] = kind(value) if kind in _SCALARS else value
    return cls(**values)


def decimal_strings_accepted(config_jsonschema: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """``config_jsonschema`` in which every number setting also takes a decimal string ("0.5").

    Every setting must be settable from the environment, the way Meltano Hub users
    configure plugins. Meltano 4.4 cannot pass a ``kind: decimal`` setting from the
    environment or ``.env`` to a plugin ("Object of type Decimal is not JSON
    serializable"), and the SDK's own ``--config=ENV`` passes a number setting on as
    the variable's text. So a fractional-number setting is declared as a string that
    holds a decimal number (:data:`DECIMAL_STRING_PATTERN`), a JSON number being
    accepted too: Meltano (``kind: string``) and the SDK hand it over as written,
    :func:`from_settings` parses it, :func:`decimal_string_checks` applies the bounds
    JSON Schema checks on numbers only. ``string`` is listed first: the type the Hub's
    tooling takes for the setting's kind when it refreshes the definition from ``--about``.
    """
    schema = copy.deepcopy(dict(config_jsonschema))
    for spec in schema.get("properties", {}).values():
        types = spec.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        if "number" in types and "string" not in types:
            spec["type"] = ["string", *types]
            spec["pattern"] = DECIMAL_STRING_PATTERN
    return schema


def is_decimal_string(spec: Mapping[str, t.Any]) -> bool:
    """Whether a setting's schema is a decimal number given as a string or a number."""
    return spec.get("pattern") == DECIMAL_STRING_PATTERN


def decimal_string_checks(config_jsonschema: Mapping[str, t.Any]) -> dict[str, Callable[[t.Any, str], str | None]]:
    """Checks (for :func:`validate_settings`) of decimal settings given as strings: a number,
    within the bounds JSON Schema applies to numbers only."""

    def check(spec: Mapping[str, t.Any]) -> Callable[[t.Any, str], str | None]:
        def within_bounds(value: t.Any, setting: str) -> str | None:
            if not isinstance(value, str):
                return None  # unset, or a number: JSON Schema checked its bounds
            if re.fullmatch(DECIMAL_STRING_PATTERN, value) is None:
                return f"setting '{setting}' must be a decimal number such as 0.5, got {value!r}"
            number = float(value)
            for keyword, (holds, words) in _BOUNDS.items():
                if keyword in spec and not holds(number, spec[keyword]):
                    return f"setting '{setting}' must be {words} {spec[keyword]}, got {value!r}"
            return None

        return within_bounds

    return {
        name: check(spec) for name, spec in config_jsonschema.get("properties", {}).items() if is_decimal_string(spec)
    }


def api_url_setting(default: str) -> th.Property:
    """The ``api_url`` setting every plugin has, checked by :func:`check_api_url`."""
    return th.Property(
        "api_url",
        th.StringType,
        default=default,
        title="API URL",
        description="Base URL of the API. https:// only, except a loopback host (the sandbox).",
    )


def api_token_setting(description: str, /) -> th.Property:
    """``api_token`` (secret, required): the token a vendor issues, described by where it is sent."""
    return th.Property(
        "api_token",
        th.StringType(min_length=1),
        required=True,
        secret=True,
        title="API token",
        description=description,
    )


def client_credentials_settings(id_description: str, secret_description: str, /) -> list[th.Property]:
    """``client_id`` and ``client_secret`` (secret) of an OAuth client-credentials plugin, both required."""
    return [
        th.Property(
            "client_id",
            th.StringType(min_length=1),
            required=True,
            title="Client ID",
            description=id_description,
        ),
        th.Property(
            "client_secret",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="Client secret",
            description=secret_description,
        ),
    ]


def date_range_settings(*, start_description: str, end_description: str) -> list[th.Property]:
    """``start_date`` and ``end_date``, checked by :func:`vendor_http.dates.date_range_checks`.

    The descriptions are the vendor's: each says its default and what is clamped.
    """
    return [
        th.Property("start_date", th.StringType, title="Start date", description=start_description),
        th.Property("end_date", th.StringType, title="End date", description=end_description),
    ]


def lookback_setting(*, default: int, maximum: int, description: str) -> th.Property:
    """``lookback_days``: days before the bookmark extracted again on every run (late data)."""
    return th.Property(
        "lookback_days",
        th.IntegerType(minimum=0, maximum=maximum),
        default=default,
        title="Lookback (days)",
        description=description,
    )


def window_setting(*, default: int, maximum: int, description: str) -> th.Property:
    """``window_days``: days per request of a date-ranged endpoint."""
    return th.Property(
        "window_days",
        th.IntegerType(minimum=1, maximum=maximum),
        default=default,
        title="Window (days)",
        description=description,
    )


def request_interval_setting(*, default: float, description: str) -> th.Property:
    """``min_request_interval_seconds``: the proactive spacing of the plugin's rate budget."""
    return th.Property(
        "min_request_interval_seconds",
        th.NumberType(minimum=0),
        default=default,
        title="Seconds between requests",
        description=description,
    )


def retry_settings() -> list[th.Property]:
    """The retry and timeout knobs of :class:`vendor_http.retry.RetryPolicy`."""
    return [
        th.Property(
            "max_tries",
            th.IntegerType(minimum=1, maximum=50),
            default=5,
            title="Max tries",
            description=(
                "How many times one request is tried before the run fails "
                "(429, 5xx, timeouts, dropped connections and broken bodies are retried)."
            ),
        ),
        th.Property(
            "backoff_initial_seconds",
            th.NumberType(minimum=0),
            default=1.0,
            title="First backoff (seconds)",
            description=(
                "Wait before the first retry when the vendor gives no Retry-After; doubles on every further retry."
            ),
        ),
        th.Property(
            "backoff_max_seconds",
            th.NumberType(minimum=0),
            default=60.0,
            title="Longest backoff (seconds)",
            description="Upper bound of one exponential backoff wait.",
        ),
        th.Property(
            "retry_after_max_seconds",
            th.NumberType(minimum=0),
            default=300.0,
            title="Longest Retry-After honoured (seconds)",
            description="A vendor's Retry-After is waited exactly, but never longer than this.",
        ),
        th.Property(
            "request_timeout_seconds",
            th.NumberType(minimum=1),
            default=300.0,
            title="Request timeout (seconds)",
            description="Seconds to wait for the vendor to connect or to send the next bytes of a response.",
        ),
    ]


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_api_url(value: t.Any, setting: str = "api_url") -> str | None:
    """Why ``value`` is not an acceptable API base URL, or ``None`` if it is.

    ``https://`` is required; plain ``http://`` only for a loopback host (a local
    sandbox), so a token is never sent in clear text over a network. The messages never
    repeat a password: a URL's ``user:password@`` is not shown, nor is a value that is not
    a URL at all.
    """
    if not isinstance(value, str) or not value:
        return f"setting '{setting}' must be a URL such as https://api.example.com"
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return f"setting '{setting}' is not a valid URL (it is not repeated here, in case it holds a password)"
    if "@" in parts.netloc or parts.username or parts.password:
        return f"setting '{setting}' must not contain credentials (user:password@); use the token settings"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        shown = f"got {redact_url(value)!r}" if "://" in value else "got something that is not a URL"
        return f"setting '{setting}' must be an http(s) URL with a host such as https://api.example.com, {shown}"
    if parts.query or parts.fragment:
        return f"setting '{setting}' must be a base URL without query or fragment"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return (
            f"setting '{setting}' uses http:// for {parts.hostname}; only https:// is "
            "allowed, except for a loopback host such as 127.0.0.1 (the sandbox)"
        )
    return None


def validate_settings(
    config: Mapping[str, t.Any],
    checks: Mapping[str, Callable[[t.Any, str], str | None]],
) -> None:
    """Run ``checks`` (setting name → check) and raise one error listing all problems.

    A check receives the value (``None`` if unset) and the setting name and returns
    a message, or ``None`` when the value is fine. Raises the SDK's
    ``ConfigValidationError``, which the CLI reports and exits non-zero on.
    """
    errors = [
        message for setting, check in checks.items() if (message := check(config.get(setting), setting)) is not None
    ]
    if errors:
        raise ConfigValidationError("Config validation failed", errors=errors)
