"""The credentials a sending tool reads: the environment first, else `.env` in the current
folder (that file only, nothing interpolated), never shown."""

from pathlib import Path

from momentum.scripts.account import Credentials, read_credentials

KEY, SECRET = "k3y-from-test", "s3cret-from-test"


def fields(problems: tuple[object, ...]) -> list[str]:
    return [getattr(problem, "field", "") for problem in problems]


def test_the_environment_comes_first(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("KRAKEN_API_KEY=other\nKRAKEN_API_SECRET=other\n")
    found = read_credentials({"KRAKEN_API_KEY": KEY, "KRAKEN_API_SECRET": SECRET}, env_file)
    credentials = found.unwrap()
    assert (credentials.key.reveal(), credentials.secret.reveal()) == (KEY, SECRET)


def test_else_the_secrets_file_and_only_for_what_is_missing(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"KRAKEN_API_KEY=other\nKRAKEN_API_SECRET={SECRET}\n")
    credentials = read_credentials({"KRAKEN_API_KEY": KEY}, env_file).unwrap()
    assert (credentials.key.reveal(), credentials.secret.reveal()) == (KEY, SECRET)


def test_missing_names_both_and_where_to_put_them(tmp_path: Path) -> None:
    problems = read_credentials({}, tmp_path / ".env").failure()
    assert fields(problems) == ["KRAKEN_API_KEY", "KRAKEN_API_SECRET"]
    assert "the process environment or" in str(problems[0])


def test_a_value_with_interpolation_is_refused_not_expanded(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("HOME_KEY=abc\nKRAKEN_API_KEY=${HOME_KEY}\nKRAKEN_API_SECRET=x\n")
    problems = read_credentials({}, env_file).failure()
    assert fields(problems) == ["KRAKEN_API_KEY"]


def test_nothing_shows_a_secret() -> None:
    found = read_credentials({"KRAKEN_API_KEY": KEY, "KRAKEN_API_SECRET": SECRET}).unwrap()
    assert isinstance(found, Credentials)
    for text in (repr(found), str(found), f"{found}", repr(found.key), f"{found.secret}"):
        assert KEY not in text and SECRET not in text
