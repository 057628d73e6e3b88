"""The flag tables: a flag given alone stands for its `bare` value where it has one, and is a
problem where it has none."""

from momentum.probe.flags import BRACKET_FLAGS, SEND_FLAGS, SIM, SIM_PRICES, read, tokenize


def test_a_flag_with_a_bare_value_may_be_given_alone() -> None:
    text, problems = tokenize(["--sim"], SEND_FLAGS)
    assert problems == ()
    assert read(text, SEND_FLAGS)[0].get(SIM) is True
    text, problems = tokenize(["--sim", "--timeout", "3"], SEND_FLAGS)
    assert (text, problems) == ({"--sim": "1", "--timeout": "3"}, ())


def test_a_value_given_still_wins() -> None:
    text, _ = tokenize(["--sim", "stop"], BRACKET_FLAGS)
    assert read(text, BRACKET_FLAGS)[0].get(SIM_PRICES) == "stop"
    text, _ = tokenize(["--sim"], BRACKET_FLAGS)
    assert read(text, BRACKET_FLAGS)[0].get(SIM_PRICES) == "bracket"


def test_a_flag_without_a_bare_value_given_alone_is_a_problem() -> None:
    _, problems = tokenize(["--timeout"], SEND_FLAGS)
    assert [(p.field, p.given) for p in problems] == [("--timeout", "no value")]
