"""Every error string the simulator answers, each with where Kraken (or, failing that, whom) it
comes from. Strings marked "ours" are undocumented choices.

docs.kraken.com/api/docs/guides/spot-errors is the main source.
"""

from typing import Final

__all__ = [
    "ALREADY_SUBSCRIBED",
    "CANNOT_OPEN_POSITION",
    "COST_MINIMUM",
    "DEADLINE_ELAPSED",
    "DUPLICATE_CL_ORD_ID",
    "INSUFFICIENT_FUNDS",
    "INVALID_ARGUMENTS",
    "INVALID_KEY",
    "INVALID_NONCE",
    "INVALID_PRICE",
    "INVALID_SIGNATURE",
    "INVALID_TOKEN",
    "MARKET_CANCEL_ONLY",
    "MARKET_POST_ONLY",
    "ORDER_MINIMUM",
    "POST_ONLY_ORDER",
    "RATE_LIMIT",
    "SUBSCRIPTION_NOT_FOUND",
    "TICK_SIZE",
    "UNAVAILABLE",
    "UNKNOWN_METHOD",
    "UNKNOWN_ORDER",
    "UNKNOWN_PAIR",
    "invalid",
    "pair_not_supported",
]

# docs.kraken.com/api/docs/guides/spot-errors
INVALID_KEY: Final = "EAPI:Invalid key"
INVALID_SIGNATURE: Final = "EAPI:Invalid signature"
INVALID_NONCE: Final = "EAPI:Invalid nonce"
INVALID_ARGUMENTS: Final = "EGeneral:Invalid arguments"
UNAVAILABLE: Final = "EService:Unavailable"
MARKET_CANCEL_ONLY: Final = "EService:Market in cancel_only mode"
MARKET_POST_ONLY: Final = "EService:Market in post_only mode"
DEADLINE_ELAPSED: Final = "EService:Deadline elapsed"
INSUFFICIENT_FUNDS: Final = "EOrder:Insufficient funds"
ORDER_MINIMUM: Final = "EOrder:Order minimum not met"
COST_MINIMUM: Final = "EOrder:Cost minimum not met"
TICK_SIZE: Final = "EOrder:Tick size check failed"
INVALID_PRICE: Final = "EOrder:Invalid price"
RATE_LIMIT: Final = "EOrder:Rate limit exceeded"
CANNOT_OPEN_POSITION: Final = "EOrder:Cannot open position"
# support.kraken.com/hc/en-us/articles/360001491786-API-error-messages
UNKNOWN_PAIR: Final = "EQuery:Unknown asset pair"
# Kraken's Rust SDK error-handling guide (krakenfx/kraken-api-sdk): a stale or unknown WS token
INVALID_TOKEN: Final = "EAPI:Invalid token"
# Kraken's Rust SDK error-handling guide and ccxt's kraken map: cancel of a gone or unknown order
UNKNOWN_ORDER: Final = "EOrder:Unknown order"
# ccxt and nautilus_trader's Kraken adapter (KRAKEN_SPOT_POST_ONLY_ERROR): a post-only that would take
POST_ONLY_ORDER: Final = "EOrder:Post only order"
# ours: Kraken enforces cl_ord_id uniqueness among open orders (docs.kraken.com/api/docs/guides/spot-clordid)
# but documents no error string for a repeat, and ccxt's map lists none
DUPLICATE_CL_ORD_ID: Final = "EOrder:Duplicate cl_ord_id"
# ours: no v2 example of these answers was found
ALREADY_SUBSCRIBED: Final = "Already subscribed"
SUBSCRIPTION_NOT_FOUND: Final = "Subscription Not Found"
# the REST API's answer to an unknown path (a 404 here)
UNKNOWN_METHOD: Final = "EGeneral:Unknown method"


def invalid(detail: str) -> str:
    """`EGeneral:Invalid arguments:<detail>`, as Kraken appends a detail (e.g. `:Index unavailable`).

    >>> invalid("order_qty")
    'EGeneral:Invalid arguments:order_qty'
    """
    return f"{INVALID_ARGUMENTS}:{detail}"


def pair_not_supported(symbol: str) -> str:
    """The public socket's answer to an unknown pair (a live capture; docs.kraken.com/api/docs/guides/spot-ws-intro FAQ).

    >>> pair_not_supported("XBT/USD")
    'Currency pair not supported XBT/USD'
    """
    return f"Currency pair not supported {symbol}"
