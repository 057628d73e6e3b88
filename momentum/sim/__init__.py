"""A local Kraken Spot exchange for tests and bot authors: real sockets, Kraken's documented shapes.

Kraken has no spot test environment, so this package serves one in-process on 127.0.0.1:
the REST token call (`POST /0/private/GetWebSocketsToken`, signed as Kraken documents), the private
WebSocket (`ws-auth`: trading methods, `executions`, `status`, `heartbeat`, `ping`) and the public
one (`ticker`). Its answers come from Kraken's documentation, not from this package's builders, so
it also cross-checks them. It imports nothing else from `momentum`.

docs.kraken.com/api/docs/websocket-v2/add_order (and the sibling pages cited in each module)

Usage::

    from decimal import Decimal
    from momentum.sim import Simulator, SimConfig, load_path, BRACKET_PATH

    async with Simulator(config=SimConfig.throwaway({"USD": Decimal("1000")})) as sim:
        # sim.rest_url, sim.ws_url, sim.public_ws_url: point the bot here
        await sim.set_price("BTC/USD", Decimal("28450"))
        ...  # the bot places its entry, stop and take-profit
        await sim.replay("BTC/USD", load_path(BRACKET_PATH), speed=10)
        assert sim.orders  # every order the exchange knows, with its fills
"""

from momentum.sim.auth import TOKEN_PATH as TOKEN_PATH
from momentum.sim.auth import sign as sign
from momentum.sim.config import BTC_USD as BTC_USD
from momentum.sim.config import DEFAULT_PAIRS as DEFAULT_PAIRS
from momentum.sim.config import ETH_USD as ETH_USD
from momentum.sim.config import PairRules as PairRules
from momentum.sim.config import SimConfig as SimConfig
from momentum.sim.engine import AssetBalance as AssetBalance
from momentum.sim.engine import System as System
from momentum.sim.faults import AnswerLate as AnswerLate
from momentum.sim.faults import CloseConnection as CloseConnection
from momentum.sim.faults import DropConnection as DropConnection
from momentum.sim.faults import Fault as Fault
from momentum.sim.faults import GoSilent as GoSilent
from momentum.sim.faults import InvalidTokenOnce as InvalidTokenOnce
from momentum.sim.faults import Maintenance as Maintenance
from momentum.sim.faults import MalformedFrame as MalformedFrame
from momentum.sim.faults import NoAnswer as NoAnswer
from momentum.sim.faults import RateLimitNextAdd as RateLimitNextAdd
from momentum.sim.faults import RefuseToken as RefuseToken
from momentum.sim.faults import RejectNextAdd as RejectNextAdd
from momentum.sim.orders import OrderView as OrderView
from momentum.sim.paths import BRACKET_PATH as BRACKET_PATH
from momentum.sim.paths import STOP_PATH as STOP_PATH
from momentum.sim.paths import PathError as PathError
from momentum.sim.paths import Tick as Tick
from momentum.sim.paths import load_path as load_path
from momentum.sim.paths import parse_path as parse_path
from momentum.sim.server import Simulator as Simulator

__all__ = [
    "BRACKET_PATH",
    "BTC_USD",
    "DEFAULT_PAIRS",
    "ETH_USD",
    "STOP_PATH",
    "TOKEN_PATH",
    "AnswerLate",
    "AssetBalance",
    "CloseConnection",
    "DropConnection",
    "Fault",
    "GoSilent",
    "InvalidTokenOnce",
    "Maintenance",
    "MalformedFrame",
    "NoAnswer",
    "OrderView",
    "PairRules",
    "PathError",
    "RateLimitNextAdd",
    "RefuseToken",
    "RejectNextAdd",
    "SimConfig",
    "Simulator",
    "System",
    "Tick",
    "load_path",
    "parse_path",
    "sign",
]
