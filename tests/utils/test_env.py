"""Knobs (momentum/utils/env.py): each knob on both sides of its limits, sources, file reader."""

import io
from decimal import Decimal
from pathlib import Path, PosixPath
from typing import Any

import pytest

from momentum.errors import KnobInvalid
from momentum.utils.env import KNOB_NAMES, Knobs, load_knobs, parse_knobs, read_knob_file


def _parse(**environ: str) -> Knobs:
    return parse_knobs(environ, {}, file_label="f").unwrap()


def _bad(**environ: str) -> list[str]:
    return [problem.knob for problem in parse_knobs(environ, {}, file_label="f").failure()]


def test_defaults_are_the_documented_values() -> None:
    assert _parse() == Knobs(
        entry_max_notional=Decimal(10),
        one_position_only=True,
        abs_limit_required=True,
        allow_live=False,
        default_tif="gtc",
        default_stp="cancel_newest",
        deadline_ms=5000,
        instruments_file=None,
    )


class TestEntryMaxNotional:
    def test_a_small_positive_cap_is_accepted(self) -> None:
        assert _parse(ENTRY_MAX_NOTIONAL="0.01").entry_max_notional == Decimal("0.01")

    @pytest.mark.parametrize("text", ["0", "-1", "NaN", "inf", "abc", "", "1_000", "1e20"])
    def test_a_cap_that_is_not_a_positive_amount_is_refused(self, text: str) -> None:
        assert _bad(ENTRY_MAX_NOTIONAL=text) == ["ENTRY_MAX_NOTIONAL"]

    def test_the_cap_keeps_its_exact_digits(self) -> None:
        assert str(_parse(ENTRY_MAX_NOTIONAL="10.10").entry_max_notional) == "10.10"


@pytest.mark.parametrize("knob", ["ONE_POSITION_ONLY", "ABS_LIMIT_REQUIRED", "ALLOW_LIVE"])
class TestFlags:
    def test_one_and_zero_are_accepted(self, knob: str) -> None:
        field = knob.lower()
        assert getattr(_parse(**{knob: "1"}), field) is True
        assert getattr(_parse(**{knob: "0"}), field) is False

    @pytest.mark.parametrize("text", ["true", "yes", "2", "", "-1"])
    def test_anything_else_is_refused(self, knob: str, text: str) -> None:
        assert _bad(**{knob: text}) == [knob]


@pytest.mark.parametrize("tif", ["gtc", "gtd", "ioc", "fok"])
def test_each_time_in_force_is_accepted(tif: str) -> None:
    assert _parse(DEFAULT_TIF=tif).default_tif == tif


@pytest.mark.parametrize("text", ["GTC", "day", ""])
def test_an_unknown_time_in_force_is_refused(text: str) -> None:
    assert _bad(DEFAULT_TIF=text) == ["DEFAULT_TIF"]


@pytest.mark.parametrize("stp", ["cancel_newest", "cancel_oldest", "cancel_both"])
def test_each_stp_type_is_accepted(stp: str) -> None:
    assert _parse(DEFAULT_STP=stp).default_stp == stp


@pytest.mark.parametrize("text", ["cancel-newest", "none", ""])
def test_an_stp_type_with_rest_spelling_or_unknown_is_refused(text: str) -> None:
    assert _bad(DEFAULT_STP=text) == ["DEFAULT_STP"]


@pytest.mark.parametrize("ms", ["500", "60000", "5000"])
def test_a_deadline_inside_the_window_is_accepted(ms: str) -> None:
    assert _parse(DEADLINE_MS=ms).deadline_ms == int(ms)


@pytest.mark.parametrize(
    "ms", ["499", "60001", "0", "-5000", "5e3", "5000.0", "", "\u0665\u0660\u0660\u0660"]
)  # Arabic-Indic 5000
def test_a_deadline_outside_the_window_or_not_whole_is_refused(ms: str) -> None:
    assert _bad(DEADLINE_MS=ms) == ["DEADLINE_MS"]


def test_every_bad_knob_is_reported_at_once() -> None:
    environ: dict[str, str] = {name: "bogus" for name in KNOB_NAMES}
    environ["INSTRUMENTS_FILE"] = "/x/.env"
    found = parse_knobs(environ, {}, file_label="f").failure()
    assert [problem.knob for problem in found] == list(KNOB_NAMES)


def test_a_problem_names_knob_source_value_and_what_is_accepted() -> None:
    (problem,) = parse_knobs({}, {"DEADLINE_MS": "70000"}, file_label="/x/.env_meanrev").failure()
    assert problem.render() == (
        "DEADLINE_MS (from /x/.env_meanrev): '70000'; use a whole number of milliseconds "
        "from 500 to 60000 (the WS v2 deadline window)"
    )


class TestSources:
    def test_the_environment_beats_the_file(self) -> None:
        knobs = parse_knobs(
            {"ENTRY_MAX_NOTIONAL": "20"}, {"ENTRY_MAX_NOTIONAL": "30"}, file_label="f"
        ).unwrap()
        assert knobs.entry_max_notional == Decimal(20)

    def test_the_file_beats_the_defaults(self) -> None:
        knobs = parse_knobs({}, {"ENTRY_MAX_NOTIONAL": "30"}, file_label="f").unwrap()
        assert knobs.entry_max_notional == Decimal(30)

    def test_unrelated_names_are_ignored_and_never_echoed(self) -> None:
        result = parse_knobs({"KRAKEN_API_SECRET": "s3cr3t"}, {"DEADLINE_MS": "1"}, file_label="f")
        assert "s3cr3t" not in repr(result)


class TestKnobFile:
    def test_a_missing_default_file_gives_the_defaults(self, tmp_path: Path) -> None:
        assert read_knob_file(tmp_path / ".env_meanrev", required=False).unwrap() == {}

    def test_a_missing_named_file_is_refused(self, tmp_path: Path) -> None:
        problem = read_knob_file(tmp_path / "nope", required=True).failure()
        assert problem.given == "a missing file"

    def test_dot_env_is_refused_by_name(self, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("ENTRY_MAX_NOTIONAL=99\n")
        problem = read_knob_file(tmp_path / ".env", required=True).failure()
        assert "never read" in problem.accepted

    def test_values_are_read_without_interpolation(self, tmp_path: Path) -> None:
        path = tmp_path / ".env_meanrev"
        path.write_text("ENTRY_MAX_NOTIONAL=${HOME}\n# comment\nDEFAULT_TIF='ioc'\n")
        assert read_knob_file(path, required=False).unwrap() == {
            "ENTRY_MAX_NOTIONAL": "${HOME}",
            "DEFAULT_TIF": "ioc",
        }

    @pytest.mark.parametrize(
        ("content", "given"),
        [
            (b"\x00\x01\x02", "a binary file"),
            (b"ENTRY_MAX_NOTIONAL=\xff\xfe\n", "a file that is not UTF-8"),
            (b"#" * (64 * 1024 + 1), "a file over 64 KiB"),
        ],
    )
    def test_a_bad_file_is_a_problem_not_an_exception(
        self, tmp_path: Path, content: bytes, given: str
    ) -> None:
        path = tmp_path / ".env_meanrev"
        path.write_bytes(content)
        assert read_knob_file(path, required=False).failure().given == given

    def test_a_directory_is_a_problem_not_an_exception(self, tmp_path: Path) -> None:
        problem = read_knob_file(tmp_path, required=True).failure()
        assert problem.given.startswith("an unreadable file")

    def test_load_knobs_reads_the_named_file(self, tmp_path: Path) -> None:
        path = tmp_path / "knobs"
        path.write_text("ENTRY_MAX_NOTIONAL=50\nDEADLINE_MS=1000\n")
        knobs = load_knobs({}, path).unwrap()
        assert (knobs.entry_max_notional, knobs.deadline_ms) == (Decimal(50), 1000)

    def test_load_knobs_reads_env_meanrev_in_the_current_directory_and_never_dot_env(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / ".env").write_text("ENTRY_MAX_NOTIONAL=99999\nONE_POSITION_ONLY=0\n")
        (tmp_path / ".env_meanrev").write_text("DEADLINE_MS=750\n")
        child = tmp_path / "child"
        child.mkdir()
        (child / ".env_meanrev").write_text("DEADLINE_MS=800\n")
        monkeypatch.chdir(child)
        assert load_knobs({}, None).unwrap() == Knobs(deadline_ms=800)
        monkeypatch.chdir(tmp_path)
        assert load_knobs({}, None).unwrap() == Knobs(deadline_ms=750)

    def test_no_env_meanrev_in_the_current_directory_means_defaults_not_a_parents(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / ".env_meanrev").write_text("DEADLINE_MS=750\n")
        (tmp_path / ".env").write_text("DEADLINE_MS=900\n")
        child = tmp_path / "child"
        child.mkdir()
        monkeypatch.chdir(child)
        assert load_knobs({}, None).unwrap() == Knobs()


class TestBadKnobFiles:
    @pytest.mark.parametrize(
        ("content", "given"),
        [
            ("", "a file with no NAME=value line"),
            ("# only a comment\n\n", "a file with no NAME=value line"),
            ("ENTRY_MAX_NOTIONAL=50\nthis is not a knob line\n", "line 2, which is not NAME=value"),
            ("ENTRY_MAX_NOTONAL=50\n", "a line setting 'ENTRY_MAX_NOTONAL'"),
            ("allow_live=1\n", "a line setting 'allow_live'"),
        ],
    )
    def test_a_broken_file_is_refused_naming_what_is_wrong(
        self, tmp_path: Path, content: str, given: str
    ) -> None:
        path = tmp_path / ".env_meanrev"
        path.write_text(content)
        assert read_knob_file(path, required=False).failure().given == given

    def test_other_settings_and_export_lines_are_fine(self, tmp_path: Path) -> None:
        path = tmp_path / ".env_meanrev"
        path.write_text("export ENTRY_MAX_NOTIONAL=50  # cap\nBOT_NAME=meanrev\n")
        assert read_knob_file(path, required=False).unwrap() == {
            "ENTRY_MAX_NOTIONAL": "50", "BOT_NAME": "meanrev",
        }  # fmt: skip

    def test_a_broken_line_is_named_by_number_never_echoed(self, tmp_path: Path) -> None:
        path = tmp_path / ".env_meanrev"
        path.write_text("DEADLINE_MS=5000\nsk-live-SECRET-VALUE\n")
        assert "SECRET" not in read_knob_file(path, required=False).failure().render()


def test_a_path_with_a_nul_byte_is_a_problem_not_an_exception() -> None:
    problem = read_knob_file(Path("knobs\x00"), required=True).failure()
    assert problem.given == "an unreadable file (not a usable path)"


# --- every refusal word for word, and both sides of each limit -----------------------------------


def test_every_empty_knob_is_refused_saying_what_each_accepts() -> None:
    environ: dict[str, str] = {name: " " for name in KNOB_NAMES}
    rendered = [p.render() for p in parse_knobs(environ, {}, file_label="f").failure()]
    assert rendered == [
        "ENTRY_MAX_NOTIONAL (from environment): an empty value; use a positive decimal amount in "
        "NOTIONAL_CCY, such as 10",
        "NOTIONAL_CCY (from environment): an empty value; use an asset code in capitals as "
        "Kraken's pairs spell it, such as USD or EUR",
        "ONE_POSITION_ONLY (from environment): an empty value; use 1 or 0",
        "ABS_LIMIT_REQUIRED (from environment): an empty value; use 1 or 0",
        "ALLOW_LIVE (from environment): an empty value; use 1 or 0",
        "DEFAULT_TIF (from environment): an empty value; use gtc or gtd or ioc or fok",
        "DEFAULT_STP (from environment): an empty value; use cancel_newest or cancel_oldest or "
        "cancel_both",
        "DEADLINE_MS (from environment): an empty value; use a whole number of milliseconds from "
        "500 to 60000 (the WS v2 deadline window)",
    ]


def test_an_instrument_file_called_dot_env_is_refused_word_for_word() -> None:
    (problem,) = parse_knobs({}, {"INSTRUMENTS_FILE": "a/.env"}, file_label="k").failure()
    assert problem.render() == (
        "INSTRUMENTS_FILE (from k): 'a/.env'; use an instrument file; .env holds secrets and is "
        "never read"
    )


@pytest.mark.parametrize("text", ["1000000000000000", "9999999999999999.99"])
def test_a_cap_below_ten_to_the_sixteen_is_accepted(text: str) -> None:
    assert _parse(ENTRY_MAX_NOTIONAL=text).entry_max_notional == Decimal(text)


def test_a_cap_of_ten_to_the_sixteen_is_refused() -> None:
    assert _bad(ENTRY_MAX_NOTIONAL="10000000000000000") == ["ENTRY_MAX_NOTIONAL"]


def test_every_knob_reaches_the_knobs_it_was_given() -> None:
    environ = {
        "ENTRY_MAX_NOTIONAL": "25",
        "NOTIONAL_CCY": "EUR",
        "ONE_POSITION_ONLY": "0",
        "ABS_LIMIT_REQUIRED": "0",
        "ALLOW_LIVE": "1",
        "DEFAULT_TIF": "ioc",
        "DEFAULT_STP": "cancel_both",
        "DEADLINE_MS": "750",
        "INSTRUMENTS_FILE": "pairs.json",
    }
    assert _parse(**environ) == Knobs(
        entry_max_notional=Decimal(25),
        notional_ccy="EUR",
        one_position_only=False,
        abs_limit_required=False,
        allow_live=True,
        default_tif="ioc",
        default_stp="cancel_both",
        deadline_ms=750,
        instruments_file="pairs.json",
    )


class TestKnobFileRefusals:
    def test_dot_env_is_refused_word_for_word(self) -> None:
        assert read_knob_file(Path("x/.env"), required=True).failure().render() == (
            "--env-file (from command line): 'x/.env'; use a knob file such as .env_meanrev; "
            ".env holds secrets and is never read"
        )

    def test_a_missing_named_file_is_refused_word_for_word(self) -> None:
        assert read_knob_file(Path("x/nope"), required=True).failure().render() == (
            "--env-file (from x/nope): a missing file; use the path of an existing file"
        )

    def test_a_directory_is_refused_with_the_systems_reason(self, tmp_path: Path) -> None:
        assert read_knob_file(tmp_path, required=True).failure().render() == (
            f"--env-file (from {tmp_path}): an unreadable file (Is a directory); use a readable file"
        )

    @pytest.mark.parametrize(
        ("content", "rendered"),
        [
            (b"A=\x00", "a binary file; use a text file of NAME=value lines"),
            (b"A=\xff\n", "a file that is not UTF-8; use a UTF-8 text file"),
            (
                b"A=1\n-\n",
                "line 2, which is not NAME=value; use lines of NAME=value, blank lines and # comments",
            ),
            (
                b"# x\n",
                "a file with no NAME=value line; use at least one knob, or no file at all "
                "(the defaults)",
            ),
            (
                b"DEADLINE=5000\n",
                "a line setting 'DEADLINE'; use the knob's exact name (DEADLINE_MS?)",
            ),
        ],
    )
    def test_a_bad_file_is_refused_word_for_word(
        self, tmp_path: Path, content: bytes, rendered: str
    ) -> None:
        path = tmp_path / "knobs"
        path.write_bytes(content)
        problem = read_knob_file(path, required=False).failure()
        assert problem.render() == f"--env-file (from {path}): {rendered}"

    def test_a_file_of_64_kib_is_read_and_one_byte_more_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "knobs"
        line = b"DEADLINE_MS=750\n"
        path.write_bytes(line + b"#" * (64 * 1024 - len(line)))
        assert read_knob_file(path, required=True).unwrap() == {"DEADLINE_MS": "750"}
        path.write_bytes(line + b"#" * (64 * 1024 + 1 - len(line)))
        assert read_knob_file(path, required=True).failure().render() == (
            f"--env-file (from {path}): a file over 64 KiB; use a short file of NAME=value lines"
        )

    def test_an_endless_file_is_read_one_byte_past_the_limit_and_no_further(self) -> None:
        stream = _Endless()

        class EndlessPath(PosixPath):
            def open(self, *args: Any, **kwargs: Any) -> Any:
                return stream

        path = EndlessPath("endless")
        assert read_knob_file(path, required=True).failure().given == "a file over 64 KiB"
        assert stream.given == 64 * 1024 + 1

    def test_a_name_merely_like_a_knob_is_another_setting(self, tmp_path: Path) -> None:
        path = tmp_path / "knobs"
        path.write_text("ALLOW=1\nDEADLINE_MS=750\n")  # ALLOW is 0.67 alike ALLOW_LIVE
        assert read_knob_file(path, required=True).unwrap() == {"ALLOW": "1", "DEADLINE_MS": "750"}


class _Endless(io.RawIOBase):
    """A file that never ends (a device, a pipe that is never closed), counting what it gives;
    a reader that has taken 1 MiB and asks for more has not bounded its read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.given > 1024 * 1024:
            raise AssertionError("an unbounded read")
        view = memoryview(buffer)
        view[:] = b"#" * len(view)
        self.given += len(view)
        return len(view)


class TestLoadKnobs:
    def test_a_named_file_that_is_missing_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "nope"
        assert load_knobs({}, path).failure() == (
            KnobInvalid(
                knob="--env-file",
                source=str(path),
                given="a missing file",
                accepted="the path of an existing file",
            ),
        )

    def test_a_bad_knob_in_a_named_file_names_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "knobs"
        path.write_text("DEADLINE_MS=1\n")
        (problem,) = load_knobs({}, path).failure()
        assert (problem.knob, problem.source) == ("DEADLINE_MS", str(path))
