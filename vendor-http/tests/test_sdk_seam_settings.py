"""The seam's settings check, in-process (a subprocess never loads a mutant): the SDK's
messages about the settings never quote a secret, whether the SDK raises them or returns
them (``validate_config=False``), for taps and targets alike."""

from __future__ import annotations

import pytest
from acme_plugin import SECRET, AcmeTap, AcmeTarget
from singer_sdk import metrics
from singer_sdk.exceptions import ConfigValidationError

from vendor_http.summary import TotalCounter

PLUGINS = [AcmeTap, AcmeTarget]
WRONG_TYPE = 98765432101234  # a numeric token: the SDK's message quotes the value


def settings(**overrides: object) -> dict:
    return {"api_url": "https://api.acme.test", "api_token": SECRET, **overrides}


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_secret_of_the_wrong_type_is_masked_in_the_raised_errors(plugin) -> None:
    with pytest.raises(ConfigValidationError) as raised:
        plugin(config=settings(api_token=WRONG_TYPE))

    assert raised.value.errors == ["*** is not of type 'string' in config['api_token']"]
    assert raised.value.schema is not None and "api_token" in raised.value.schema["properties"]
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize("plugin", PLUGINS)
def test_errors_returned_without_raising_are_masked_too(plugin, caplog: pytest.LogCaptureFixture) -> None:
    instance = plugin(config=settings(api_token=WRONG_TYPE), validate_config=False)

    errors = instance._validate_config(raise_errors=False)  # the seam itself, as the SDK calls it

    assert errors == ["*** is not of type 'string' in config['api_token']"]
    assert str(WRONG_TYPE) not in caplog.text


@pytest.mark.parametrize("plugin", PLUGINS)
def test_valid_settings_give_no_error(plugin) -> None:
    instance = plugin(config=settings())

    assert instance._validate_config(raise_errors=True) == []


def test_the_record_counter_keeps_its_total_across_the_sdks_resets() -> None:
    counter = TotalCounter(metrics.Metric.RECORD_COUNT, {"stream": "sessions"}, log_interval=0)
    for _ in range(3):  # with no interval the SDK logs and resets at every increment
        counter.increment(5)
    counter.value = 2  # counted since the last reset

    assert (counter.logged, counter.total) == (15, 17)
