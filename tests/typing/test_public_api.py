"""Type tests: mypy checks these `assert_type`s on the public API; pytest runs them too."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import assert_type

from returns.result import Result

from momentum import api
from momentum.errors import OrderProblem
from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.exchange.kraken.ws_v2_messages import AddOrder, AddOrderParams, decode, encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, build_add_order_json
from momentum.models.context import Context
from momentum.models.instrument import PairTable
from momentum.models.intent import LimitOrder, SpotOrder, parse_amount
from momentum.utils.env import Knobs, load_knobs, parse_knobs
from momentum.utils.safety import check_order
from tests.typing import readme_live, readme_more
from tests.typing.readme_example import entry_message

README = Path(__file__).resolve().parents[2] / "README.md"
ORDER = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("1"), limit_price=Decimal("1"))
CONTEXT = Context(knobs=Knobs(), now=datetime(2026, 11, 28, tzinfo=UTC))


def test_public_functions_have_precise_result_types() -> None:
    built = build_add_order(ORDER, CONTEXT)
    assert_type(built, Result[AddOrder, tuple[OrderProblem, ...]])
    assert_type(build_add_order_json(ORDER, CONTEXT), Result[bytes, tuple[OrderProblem, ...]])
    assert_type(check_order(ORDER, CONTEXT), Result[SpotOrder, tuple[OrderProblem, ...]])
    assert_type(parse_amount("1", "--qty").unwrap(), Decimal)
    assert_type(parse_knobs({}, {}, file_label="f").unwrap(), Knobs)
    assert_type(load_knobs({}, Path("/nonexistent/knobs")).value_or(Knobs()), Knobs)
    message = built.unwrap()
    assert_type(message.params, AddOrderParams)
    assert_type(decode(encode(message).unwrap()).unwrap(), AddOrder)


def test_the_readme_example_is_this_type_checked_file() -> None:
    example = (Path(__file__).parent / "readme_example.py").read_text()
    assert f"```python\n{example}```" in README.read_text()


def test_the_readme_example_returns_a_message_and_refuses_with_a_position_open() -> None:
    table = load_default_instruments().unwrap()
    assert_type(table, PairTable)
    assert entry_message(open_positions=0, instruments=table) is not None
    assert entry_message(open_positions=1, instruments=table) is None


def test_the_readme_request_examples_are_this_type_checked_file() -> None:
    example = (Path(__file__).parent / "readme_more.py").read_text()
    assert f"```python\n{example}```" in README.read_text()


def test_the_readme_request_examples_build() -> None:
    assert readme_more.ladder().unwrap().params.symbol == "BTC/USD"
    assert readme_more.move("OUF4EM-FRGI2-MQMWZD").unwrap().params.limit_price_type == "static"
    assert readme_more.pull("OUF4EM-FRGI2-MQMWZD").unwrap().params.order_id == [
        "OUF4EM-FRGI2-MQMWZD"
    ]
    first, second = readme_more.bracket().unwrap()
    assert (first.params.side, second.params.side) == ("buy", "sell")
    assert readme_more.outcome(
        b'{"method":"add_order","success":false,"error":"EOrder:Post only order"}'
    ) == ("refused (post_only): EOrder:Post only order")


def test_the_readme_sending_example_is_this_type_checked_file() -> None:
    example = (Path(__file__).parent / "readme_live.py").read_text()
    assert f"```python\n{example}```" in README.read_text()


def test_the_readme_sending_example_places_on_the_simulator() -> None:
    from momentum.sim import SimConfig, Simulator  # noqa: PLC0415 -- a test of the example only

    async def against_the_simulator() -> str:
        config = SimConfig.throwaway()
        async with Simulator(config=config) as exchange:
            credentials = api.Credentials(
                key=api.Secret(config.api_key), secret=api.Secret(config.api_secret)
            )
            return await readme_live.place(credentials, exchange.rest_url, exchange.ws_url)

    assert asyncio.run(asyncio.wait_for(against_the_simulator(), 30)) == "accepted"
