"""Redaction at its edges: overlapping and short secrets, URLs, log records, the one factory (issue 20)."""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Callable

import pytest

from vendor_http import redaction
from vendor_http.redaction import MASK, Redactor, install_redaction, redact

LOGGER = "test.redaction.behaviour"


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> list[logging.LogRecord]:
    """Logging as in a new process whose own record factory tags its records.

    Yields the records that factory made. It builds on the standard factory, not on
    one an earlier test may have installed (which would mask the records itself); the
    factory that was installed before is put back afterwards (conftest.py).
    """
    made: list[logging.LogRecord] = []

    def tagging_factory(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = logging.LogRecord(*args, **kwargs)
        made.append(record)
        return record

    logging.setLogRecordFactory(tagging_factory)
    monkeypatch.setattr(redaction, "_factory_installed", False)
    return made


def make_record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    """A record made the way every logger makes one: through the process's factory."""
    factory: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    return factory(LOGGER, logging.INFO, __file__, 1, msg, args, exc_info)


# The redactor


def test_overlapping_secrets_are_masked_whole_whatever_their_order() -> None:
    text = "short abcd, long abcdefgh, both abcdabcdefgh"
    expected = "short ***, long ***, both ******"
    assert Redactor(["abcd", "abcdefgh"])(text) == expected
    assert Redactor(["abcdefgh", "abcd"])(text) == expected
    later = Redactor(["abcd"])
    later.add("abcdefgh")  # the longer one learnt later
    assert later(text) == expected
    assert "efgh" not in later(text)


def test_four_characters_are_a_secret_three_are_not() -> None:
    redactor = Redactor(["wxyz", "abc", ""])
    assert redactor("wxyz abc") == "*** abc"


def test_values_that_are_not_text_are_ignored() -> None:
    redactor = Redactor()
    redactor.add(None, 123456, "")  # type: ignore[arg-type]
    assert redactor("None 123456") == "None 123456"


def test_text_without_secrets_is_returned_unchanged() -> None:
    assert Redactor()("nothing registered") == "nothing registered"
    assert Redactor(["secret-value"])("") == ""
    assert Redactor(["secret-value"])("nothing here") == "nothing here"


def test_secrets_with_regex_characters_are_matched_literally() -> None:
    redactor = Redactor(["a+b.c*d"])
    assert redactor("x a+b.c*d y aab.ccd") == "x *** y aab.ccd"


def test_forwarded_redactors_learn_existing_and_later_secrets() -> None:
    plugin, process = Redactor(["first-secret"]), Redactor()
    plugin.forward_to(process)
    plugin.forward_to(process)  # once is enough
    plugin.add("second-secret")
    assert process("first-secret second-secret") == "*** ***"
    assert Redactor()("first-secret") == "first-secret"  # nothing shared otherwise
    another = Redactor()
    plugin.forward_to(another)
    plugin.add("third-secret")
    assert another("first-secret second-secret third-secret") == "*** *** ***"
    assert process("third-secret") == "***"


# URLs


def test_a_password_containing_at_signs_does_not_leak_from_a_url() -> None:
    cleaned = Redactor().url("https://user:p@ss@word@api.example.com:8443/v1/x?day=2026-01-01")
    assert cleaned == "https://api.example.com:8443/v1/x?day=2026-01-01"


@pytest.mark.parametrize(
    "name", ["token", "access_token", "client_secret", "password", "passwd", "API_KEY", "auth", "signature"]
)
def test_query_parameters_named_like_secrets_are_masked(name: str) -> None:
    cleaned = Redactor().url(f"https://api.example.com/x?{name}=hunter22&page=2")
    assert cleaned == f"https://api.example.com/x?{name}=***&page=2"


def test_other_parameters_keep_their_order_and_blank_values_and_the_fragment_goes() -> None:
    cleaned = Redactor().url("https://api.example.com/x?b=2&a=&c=3#top")
    assert cleaned == "https://api.example.com/x?b=2&a=&c=3"


def test_registered_secrets_are_masked_anywhere_in_a_url() -> None:
    cleaned = Redactor(["tok-12345"]).url("https://api.example.com/v1/tok-12345/items?site=tok-12345")
    assert cleaned == f"https://api.example.com/v1/{MASK}/items?site={MASK}"


# Log records


def test_a_record_is_rendered_once_masked(fresh_process: list[logging.LogRecord]) -> None:
    install_redaction(Redactor(["rec-secret-1"]))
    record = make_record("calling %s with %d", "rec-secret-1", 3)
    assert (record.msg, record.args) == ("calling *** with 3", None)
    assert record.getMessage() == "calling *** with 3"


def test_a_record_made_with_keyword_arguments_keeps_them(fresh_process: list[logging.LogRecord]) -> None:
    install_redaction(Redactor(["kw-secret-1"]))
    factory = logging.getLogRecordFactory()
    record = factory(LOGGER, logging.INFO, __file__, 1, "in %s", ("kw-secret-1",), None, func="fetch", sinfo="stack")
    assert (record.funcName, record.stack_info, record.getMessage()) == ("fetch", "stack", "in ***")


def test_exception_arguments_are_masked_and_other_arguments_kept(fresh_process: list[logging.LogRecord]) -> None:
    install_redaction(Redactor(["exc-secret-2"]))
    error = ValueError(42, "bad exc-secret-2", None)
    record = make_record("failed", exc_info=(ValueError, error, None))
    assert error.args == (42, "bad ***", None)
    assert record.getMessage() == "failed"


def test_a_record_without_a_current_exception_is_fine(
    fresh_process: list[logging.LogRecord], caplog: pytest.LogCaptureFixture
) -> None:
    install_redaction(Redactor(["exc-secret-3"]))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        logging.getLogger(LOGGER).exception("no exception, exc-secret-3")  # exc_info is (None, None, None)
    assert caplog.records[-1].getMessage() == "no exception, ***"


def test_a_record_whose_message_cannot_be_rendered_is_left_for_logging_to_report(
    fresh_process: list[logging.LogRecord],
) -> None:
    install_redaction(Redactor(["fmt-secret-4"]))
    record = make_record("%d items", "fmt-secret-4")
    assert (record.msg, record.args) == ("%d items", ("fmt-secret-4",))


def test_the_first_install_adds_one_factory_that_keeps_the_previous_one(
    fresh_process: list[logging.LogRecord],
) -> None:
    before = logging.getLogRecordFactory()
    install_redaction(Redactor(["inst-secret-5"]))
    installed = logging.getLogRecordFactory()
    assert installed is not before
    install_redaction(Redactor(["inst-secret-6"]))
    assert logging.getLogRecordFactory() is installed  # the second install only adds secrets
    record = make_record("%s and %s", "inst-secret-5", "inst-secret-6")
    assert record.getMessage() == "*** and ***"
    assert fresh_process == [record]  # made by the previous factory, masked by ours


def test_redact_masks_every_installed_redactors_secrets_learnt_at_any_time(
    fresh_process: list[logging.LogRecord],
) -> None:
    plugin = Redactor(["proc-secret-7"])
    install_redaction(plugin)
    plugin.add("proc-token-8")
    assert redact("proc-secret-7 proc-token-8 other") == "*** *** other"
    assert redact("") == ""
