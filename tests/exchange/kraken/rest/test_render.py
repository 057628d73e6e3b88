"""REST AddOrder (rest/render.py): Kraken's example, ccxt's confirmed encodings, OpenAPI enums."""

from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from returns.result import Success

from momentum.errors import InputInvalid
from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.exchange.kraken.rest.render import RestAddOrder, build_rest_add_order, urlencoded
from momentum.models.context import Context
from momentum.models.intent import (
    LimitOrder,
    MarketOrder,
    OrderIntent,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from tests.helpers import NOW, D, context
from tests.strategies import plausible_contexts, plausible_intents

TABLE = load_default_instruments().unwrap()
# For the laws: BTC/USD's REST name with a grid as fine as the strategies' prices, no minimums.
LOOSE = {"BTC/USD": msgspec.structs.replace(TABLE["BTC/USD"], price_increment=D("0.01"),
                                            price_precision=2, qty_min=D("0"), cost_min=D("0"))}  # fmt: skip


SPEC = Path(__file__).resolve().parents[3] / "fixtures/rest-openapi"


def ctx(**changes: Any) -> Context:
    return msgspec.structs.replace(context(**changes), instruments=TABLE)


def form(order: OrderIntent, **changes: Any) -> RestAddOrder:
    return build_rest_add_order(order, ctx(**changes)).unwrap()


_NUMBERS = {"volume", "price", "price2", "displayvol", "close[price]", "close[price2]"}


_OURS = {"timeinforce", "stptype", "deadline", "validate"}  # always sent, as on WS


def test_krakens_own_example_request() -> None:
    # spec add_example: {"nonce":163245617,"ordertype":"limit","type":"buy","volume":"1.25",
    # "pair":"XBTUSD","price":"27500","cl_ord_id":"6d1b345e-2821-40e2-ad83-4ecb18a06876"}
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("1.25"), limit_price=D("27500"),
                       cl_ord_id="6d1b345e-2821-40e2-ad83-4ecb18a06876")  # fmt: skip
    fields = {k: v for k, v in form(order).fields if k not in _OURS}
    assert fields == {"ordertype": "limit", "type": "buy", "volume": "1.25", "pair": "XBTUSD",
                      "price": "27500", "cl_ord_id": "6d1b345e-2821-40e2-ad83-4ecb18a06876"}  # fmt: skip


@pytest.mark.parametrize(
    ("order", "fragment"),
    [
        (TrailingStopOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                           trigger=Trigger(price=D("100"), price_type="quote")),
         "price=%2B100&trigger=last"),
        (TrailingStopLimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                                trigger=Trigger(price=D("100"), price_type="quote"),
                                limit_price=D("-100")),
         "price=%2B100&price2=-100"),
        (MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.0001"), cash_qty=D("5"),
                     ref_price=D("28000")),
         "volume=5&pair=XBTUSD"),
        (LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"), limit_price=D("28000"),
                    post_only=True, fee_preference="base"),
         "oflags=fcib%2Cpost"),
    ],
)  # fmt: skip
def test_ccxts_confirmed_rest_encodings(order: OrderIntent, fragment: str) -> None:
    body = urlencoded(form(order))
    assert fragment in body, body


def test_a_cash_buy_says_viqc() -> None:
    order = MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.0001"), cash_qty=D("5"),
                        ref_price=D("28000"))  # fmt: skip
    assert form(order).get("oflags") == "viqc"


def test_times_are_unix_seconds() -> None:
    expire = datetime.fromisoformat("2026-12-01T00:00:00+00:00")
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"),
                       time_in_force="gtd", expire_time=expire)  # fmt: skip
    seconds = (expire.date() - datetime(1970, 1, 1).date()).days * 86400
    assert (form(order).get("timeinforce"), form(order).get("expiretm")) == ("GTD", str(seconds))


@pytest.mark.parametrize(("changes", "field"), [
    ({"deadline_ms": 1999}, "DEADLINE_MS"),
    ({"default_tif": "fok"}, "time_in_force"),
])  # fmt: skip
def test_what_rest_cannot_carry_is_refused(changes: dict[str, Any], field: str) -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"))
    found = build_rest_add_order(order, ctx(**changes)).failure()
    assert [getattr(p, "field", None) for p in found] == [field]


def test_a_rest_deadline_of_2_seconds_is_accepted() -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"))
    assert form(order, deadline_ms=2000).get("deadline") == "2026-11-28T09:00:02.123Z"


def test_without_a_rest_pair_name_the_form_is_refused() -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"))
    found = build_rest_add_order(order, context()).failure()
    assert [getattr(p, "field", None) for p in found] == ["symbol"]
    nameless = {"BTC/USD": msgspec.structs.replace(TABLE["BTC/USD"], rest_pair="")}
    empty = msgspec.structs.replace(context(), instruments=nameless)  # AssetPairs' altname ""
    (problem,) = build_rest_add_order(order, empty).failure()
    assert problem == InputInvalid(
        field="symbol",
        given="no REST pair name known for BTC/USD",
        accepted="instrument data with the pair's REST name (altname)",
    )


# --- Kraken's OpenAPI enums ------------------------------------------------------------------------


def _enums() -> dict[str, set[str]]:
    add = yaml.safe_load((SPEC / "schemas__requests__trading__orders__add.yaml").read_text())
    properties = add.get("properties", add)
    ordertype = yaml.safe_load((SPEC / "partials__properties__ordertype.yaml").read_text())
    oflags = (SPEC / "partials__properties__oflags.yaml").read_text()
    return {
        "ordertype": set(ordertype["enum"]),
        "type": set(properties["type"]["enum"]),
        "stptype": set(properties["stptype"]["enum"]),
        "timeinforce": set(properties["timeinforce"]["enum"]),
        "trigger": set(properties["trigger"]["enum"]),
        "close[ordertype]": set(properties["close[ordertype]"]["enum"]),
        "oflags": {
            flag for flag in ("post", "fcib", "fciq", "nompp", "viqc") if f"`{flag}`" in oflags
        },
    }


ENUMS = _enums()


# About one draw in six builds both forms (the rest are refused, as they should be).
_FILTERED = settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def test_the_spec_was_read() -> None:
    assert ENUMS["timeinforce"] == {"GTC", "IOC", "GTD"}
    assert "settle-position" in ENUMS["ordertype"]
    assert "market" not in ENUMS["close[ordertype]"]


@_FILTERED
@given(plausible_intents, plausible_contexts)
def test_every_rest_enum_value_is_one_the_openapi_spec_allows(
    order: OrderIntent, c: Context
) -> None:
    """Every enum value in a REST form is one Kraken's OpenAPI files allow; userref fits int32."""
    order = msgspec.structs.replace(order, sender_sub_id=None)  # REST has no such field
    result = build_rest_add_order(order, msgspec.structs.replace(c, instruments=LOOSE))
    assume(isinstance(result, Success))
    rest = result.unwrap()
    for key, value in rest.fields:
        if key == "oflags":
            assert set(value.split(",")) <= ENUMS["oflags"]
        elif key in ENUMS:
            assert value in ENUMS[key], (key, value)
        elif key == "userref":
            assert -(2**31) <= int(value) < 2**31


def test_now_is_only_the_test_clock() -> None:
    assert NOW.tzinfo is not None


def test_a_trailing_limit_close_goes_out_as_its_two_offsets_a_zero_one_signed_plus() -> None:
    close = TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="pct",
                                   limit_price=D("0"))  # fmt: skip
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28440"),
                       close=close)  # fmt: skip
    fields = dict(form(order).fields)
    assert {key: fields[key] for key in ("close[ordertype]", "close[price]", "close[price2]")} == {
        "close[ordertype]": "trailing-stop-limit",
        "close[price]": "+1%",
        "close[price2]": "+0",
    }


def test_everything_rest_cannot_carry_is_refused_at_once_word_for_word() -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"),
                       sender_sub_id="sub")  # fmt: skip
    found = build_rest_add_order(order, ctx(deadline_ms=1999, default_tif="fok")).failure()
    assert [p.render() for p in found] == [
        "DEADLINE_MS: 1999 ms; use at least 2000 ms for REST (its window is now+2 s to now+60 s)",
        "time_in_force: 'fok' on REST; use gtc, gtd or ioc for REST: Kraken's OpenAPI spec "
        "(2025-09) lists no FOK for AddOrder; send a fok order over WS v2",
        "sender_sub_id: set; use no sender_sub_id: REST AddOrder has no such field",
    ]


def test_a_pair_without_a_rest_name_is_refused_word_for_word() -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28000"))
    assert [p.render() for p in build_rest_add_order(order, context()).failure()] == [
        "symbol: no REST pair name known for BTC/USD; use instrument data with the pair's REST "
        "name (altname)"
    ]
