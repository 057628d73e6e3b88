"""A secret never shows itself: not in repr, str, f-strings, logging or pickles."""

import logging
import pickle

import pytest

from momentum.models.secret import Secret

VALUE = "sk-live-DO-NOT-PRINT-4242"


def test_no_way_of_printing_shows_the_value(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)
    logging.getLogger("test").warning("token %s %r", secret, secret)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        caplog.text,
    ]
    assert all(VALUE not in text for text in shown)
    assert secret.reveal() == VALUE


def test_secrets_compare_by_value_and_are_never_pickled() -> None:
    assert Secret(VALUE) == Secret(VALUE) != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(Secret(VALUE))
