"""Kraken's per-pair trading rate counter: each cost on both sides of its age limits, the
guide's own two worked examples, admission at and over each tier's threshold, the margin for
requests still on their way, the threshold the exchange announces, and laws."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.session.rate import (
    ARRIVAL_MARGIN,
    LIMITS,
    Admit,
    Limits,
    PairLevel,
    RateCounter,
    RequestKind,
    Tier,
    admit,
    announced,
    charge,
    cost,
    counter,
    level,
    take,
    tier_of,
)

D = Decimal
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BTC = "BTC/USD"
US = timedelta(microseconds=1)
NO_MARGIN = timedelta(0)  # the decay's arithmetic alone, as if every request arrived when sent


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# (kind, age, expected): each step's last microsecond inside and first outside
# docs.kraken.com/api/docs/guides/spot-ratelimits "Incrementing the rate counter"
COSTS: list[tuple[RequestKind, timedelta, str]] = [
    ("add_order", s(0), "1"),
    ("add_order", s(1000), "1"),
    ("amend_order", s(5) - US, "4"),
    ("amend_order", s(5), "3"),
    ("amend_order", s(10) - US, "3"),
    ("amend_order", s(10), "2"),
    ("amend_order", s(15) - US, "2"),
    ("amend_order", s(15), "1"),
    ("edit_order", s(5) - US, "7"),
    ("edit_order", s(5), "6"),
    ("edit_order", s(10), "5"),
    ("edit_order", s(15) - US, "5"),
    ("edit_order", s(15), "3"),
    ("edit_order", s(45) - US, "3"),
    ("edit_order", s(45), "2"),
    ("edit_order", s(90) - US, "2"),
    ("edit_order", s(90), "1"),
    ("cancel_order", s(5) - US, "8"),
    ("cancel_order", s(5), "6"),
    ("cancel_order", s(10) - US, "6"),
    ("cancel_order", s(10), "5"),
    ("cancel_order", s(15) - US, "5"),
    ("cancel_order", s(15), "4"),
    ("cancel_order", s(45) - US, "4"),
    ("cancel_order", s(45), "2"),
    ("cancel_order", s(90) - US, "2"),
    ("cancel_order", s(90), "1"),
    ("cancel_order", s(300) - US, "1"),
    ("cancel_order", s(300), "0"),
]


class TestCost:
    @pytest.mark.parametrize(("kind", "age", "expected"), COSTS)
    def test_each_request_costs_its_documented_count_either_side_of_each_age_limit(
        self, kind: RequestKind, age: timedelta, expected: str
    ) -> None:
        assert cost(kind, age) == D(expected)

    @pytest.mark.parametrize(("kind", "expected"), [("amend_order", "4"), ("edit_order", "7")])
    def test_an_unknown_age_is_charged_as_the_youngest(
        self, kind: RequestKind, expected: str
    ) -> None:
        assert (cost(kind), cost(kind, s(-1))) == (D(expected), D(expected))

    def test_an_unknown_cancel_age_is_the_dearest_cancel(self) -> None:
        assert cost("cancel_order") == D(8)

    @pytest.mark.parametrize(("n", "expected"), [(2, "1"), (3, "1.5"), (15, "7.5")])
    def test_a_batch_add_costs_half_its_orders_unrounded(self, n: int, expected: str) -> None:
        assert cost("batch_add", n=n) == D(expected)

    def test_cancelling_n_orders_at_once_costs_n_times_the_schedule(self) -> None:
        assert cost("cancel_order", s(20), n=3) == D(12)

    @pytest.mark.parametrize("n", [0, -1])
    def test_no_orders_cost_nothing(self, n: int) -> None:
        assert [cost("add_order", n=n), cost("batch_add", n=n)] == [D(0), D(0)]

    def test_the_guides_order_lifetime_example_adds_up_to_8(self) -> None:
        # add, amend the price 7 s later, cancel 36 s after the amend
        total = cost("add_order") + cost("amend_order", s(7)) + cost("cancel_order", s(36))
        assert total == D(8)


class TestLevel:
    def test_the_guides_decay_example_leaves_26_6(self) -> None:
        # an Intermediate client enters 50 orders and waits 10 seconds
        rates = counter("intermediate", NO_MARGIN)
        for _ in range(50):
            rates = charge(rates, BTC, cost("add_order"), T0)
        assert level(rates, BTC, T0 + s(10)) == D("26.6")

    def test_a_pair_never_charged_stands_at_zero(self) -> None:
        assert level(counter("starter"), BTC, T0) == D(0)

    def test_the_count_decays_to_zero_and_no_further(self) -> None:
        rates = charge(counter("starter", NO_MARGIN), BTC, D(5), T0)
        assert [level(rates, BTC, T0 + s(x)) for x in (4, 5, 6)] == [D(1), D(0), D(0)]

    def test_a_now_before_the_last_charge_decays_nothing_and_keeps_the_later_time(self) -> None:
        rates = charge(counter("starter", NO_MARGIN), BTC, D(5), T0)
        earlier = charge(rates, BTC, D(1), T0 - s(3))
        assert level(rates, BTC, T0 - s(3)) == D(5)
        assert earlier.pairs == (PairLevel(symbol=BTC, level=D(6), at=T0),)

    def test_each_pair_keeps_its_own_count(self) -> None:
        rates = charge(charge(counter("pro"), "ETH/USD", D(7), T0), BTC, D(2), T0)
        assert rates == RateCounter(
            limits=LIMITS["pro"],
            pairs=(
                PairLevel(symbol=BTC, level=D(2), at=T0 + ARRIVAL_MARGIN),
                PairLevel(symbol="ETH/USD", level=D(7), at=T0 + ARRIVAL_MARGIN),
            ),
        )

    def test_a_refused_request_is_still_counted_as_the_engine_counts_it(self) -> None:
        rates = charge(charge(counter("starter"), BTC, D(60), T0), BTC, D(1), T0)
        assert level(rates, BTC, T0) == D(61)


class TestAdmit:
    @pytest.mark.parametrize("tier", ["starter", "intermediate", "pro"])
    def test_a_request_that_reaches_the_threshold_exactly_is_admitted(self, tier: Tier) -> None:
        limits = LIMITS[tier]
        rates = charge(counter(tier), BTC, limits.threshold - 1, T0)
        assert admit(rates, BTC, D(1), T0) == Admit(
            ok=True, wait_seconds=D(0), level=limits.threshold - 1
        )

    @pytest.mark.parametrize(
        ("tier", "wait"), [("starter", "0.01"), ("intermediate", "0.004274"), ("pro", "0.002667")]
    )
    def test_a_request_a_hundredth_over_the_threshold_waits_for_the_decay_rounded_up(
        self, tier: Tier, wait: str
    ) -> None:
        limits = LIMITS[tier]
        rates = charge(counter(tier, NO_MARGIN), BTC, limits.threshold - 1, T0)
        assert admit(rates, BTC, D("1.01"), T0) == Admit(
            ok=False, wait_seconds=D(wait), level=limits.threshold - 1
        )

    def test_after_the_wait_the_request_is_admitted_and_a_microsecond_before_it_is_not(
        self,
    ) -> None:
        rates = charge(counter("intermediate", NO_MARGIN), BTC, D(125), T0)
        wait = admit(rates, BTC, D(1), T0).wait_seconds
        assert wait == D("0.427351")
        ready = T0 + timedelta(microseconds=427351)
        assert (admit(rates, BTC, D(1), ready - US).ok, admit(rates, BTC, D(1), ready).ok) == (
            False,
            True,
        )

    def test_a_cost_at_the_threshold_alone_is_admitted_on_a_rested_pair(self) -> None:
        assert admit(counter("starter"), BTC, D(60), T0).ok is True

    def test_a_cost_over_the_threshold_alone_can_never_pass(self) -> None:
        assert admit(counter("starter"), BTC, D("60.5"), T0 + s(3600)) == Admit(
            ok=False, wait_seconds=None, level=D(0)
        )

    def test_a_counter_that_never_decays_has_no_wait_to_offer(self) -> None:
        frozen = RateCounter(limits=Limits(threshold=D(10), decay=D(0)))
        assert admit(charge(frozen, BTC, D(10), T0), BTC, D(1), T0 + s(99)) == Admit(
            ok=False, wait_seconds=None, level=D(10)
        )


class TestArrivalMargin:
    """The exchange counts a request on arrival: what was charged within the margin may not
    have started to decay there (docs.kraken.com/api/docs/guides/spot-ratelimits)."""

    def test_the_default_margin_is_one_second(self) -> None:
        assert counter("starter").margin == ARRIVAL_MARGIN == s(1)

    def test_a_charge_counts_at_once_and_decays_from_a_margin_after_it(self) -> None:
        rates = charge(counter("starter"), BTC, D(5), T0)
        assert [level(rates, BTC, T0 + s(x)) for x in (0, 1, 1.5, 6, 7)] == [
            D(5), D(5), D("4.5"), D(0), D(0),
        ]  # fmt: skip

    def test_a_request_waits_the_decay_and_then_the_margin(self) -> None:
        rates = charge(counter("starter"), BTC, D(60), T0)
        verdict = admit(rates, BTC, D(1), T0)
        assert verdict == Admit(ok=False, wait_seconds=D("2.000000"), level=D(60))

    def test_it_is_admitted_a_margin_after_the_decay_allows_it_and_not_a_microsecond_sooner(
        self,
    ) -> None:
        rates = charge(counter("starter"), BTC, D(60), T0)
        assert admit(rates, BTC, D(1), T0 + s(2) - US).ok is False  # the decay alone says yes
        assert admit(rates, BTC, D(1), T0 + s(1)).ok is False
        assert admit(rates, BTC, D(1), T0 + s(2)) == Admit(ok=True, wait_seconds=D(0), level=D(59))

    def test_a_burst_counted_late_at_the_exchange_still_admits_the_released_request(
        self,
    ) -> None:
        """The burst left at T0 and arrived 0.2 s later (the exchange's counter starts then);
        the request released at the offered time, arriving at once, stays at the threshold."""
        here = charge(counter("starter"), BTC, D(60), T0)
        there = charge(counter("starter", NO_MARGIN), BTC, D(60), T0 + s(0.2))
        wait = admit(here, BTC, D(1), T0).wait_seconds
        assert wait is not None
        released = T0 + timedelta(microseconds=int(wait * 1_000_000))
        assert level(there, BTC, released) + 1 <= there.limits.threshold
        # without the margin the same burst earns EOrder:Rate limit exceeded
        bare = admit(charge(counter("starter", NO_MARGIN), BTC, D(60), T0), BTC, D(1), T0)
        assert bare.wait_seconds is not None
        too_soon = T0 + timedelta(microseconds=int(bare.wait_seconds * 1_000_000))
        assert level(there, BTC, too_soon) + 1 > there.limits.threshold

    def test_a_charge_later_than_the_clock_waits_from_that_charge(self) -> None:
        rates = charge(counter("starter"), BTC, D(60), T0 + s(3))
        assert admit(rates, BTC, D(1), T0).wait_seconds == D("5.000000")

    def test_a_pair_with_room_for_the_request_is_admitted_at_once(self) -> None:
        rates = charge(counter("starter"), BTC, D(59), T0)
        assert admit(rates, BTC, D(1), T0) == Admit(ok=True, wait_seconds=D(0), level=D(59))

    def test_a_negative_margin_counts_as_none(self) -> None:
        assert counter("starter", -s(5)).margin == NO_MARGIN


class TestAnnounced:
    """The `executions` subscribe ack's `maxratecount` is the account's threshold
    (docs.kraken.com/api/docs/websocket-v2/executions)."""

    @pytest.mark.parametrize("figure", [60, 125, 180])
    @pytest.mark.parametrize("tier", ["starter", "intermediate", "pro"])
    def test_a_listed_threshold_brings_its_tier_whatever_was_configured(
        self, figure: int, tier: Tier
    ) -> None:
        named = tier_of(figure)
        assert named is not None
        assert announced(counter(tier), figure).limits == LIMITS[named]

    def test_an_unlisted_threshold_is_taken_with_the_slowest_decay(self) -> None:
        assert announced(counter("pro"), 100).limits == Limits(threshold=D(100), decay=D(1))

    @pytest.mark.parametrize("figure", [0, -1])
    def test_a_figure_under_one_is_no_threshold_and_changes_nothing(self, figure: int) -> None:
        rates = charge(counter("pro"), BTC, D(5), T0)
        assert announced(rates, figure) == rates

    def test_the_counts_and_the_margin_are_kept(self) -> None:
        rates = charge(counter("pro", s(2)), BTC, D(61), T0)
        starter = announced(rates, 60)
        assert (starter.pairs, starter.margin) == (rates.pairs, s(2))
        assert admit(starter, BTC, D(1), T0).ok is False  # 61 is past Starter's 60
        assert admit(rates, BTC, D(1), T0).ok is True  # but well within Pro's 180


@pytest.mark.parametrize(("figure", "tier"), [(60, "starter"), (125, "intermediate"), (180, "pro")])
def test_a_subscribe_acks_maxratecount_names_the_tier(figure: int, tier: Tier) -> None:
    assert tier_of(figure) == tier


@pytest.mark.parametrize("figure", [0, 59, 61, 124, 181])
def test_a_maxratecount_the_guide_does_not_list_names_no_tier(figure: int) -> None:
    assert tier_of(figure) is None


# --- laws ----------------------------------------------------------------------------------------

KINDS: tuple[RequestKind, ...] = (
    "add_order",
    "amend_order",
    "edit_order",
    "cancel_order",
    "batch_add",
)
STEP = st.tuples(
    st.integers(min_value=0, max_value=3_000_000),  # microseconds since the previous request
    st.sampled_from(KINDS),
    st.none() | st.integers(min_value=-1, max_value=400).map(s),
    st.integers(min_value=1, max_value=15),
    st.sampled_from([BTC, "ETH/USD"]),
)
TIERS = st.sampled_from(["starter", "intermediate", "pro"])
MARGINS = st.integers(min_value=0, max_value=3_000_000).map(lambda us: timedelta(microseconds=us))


@given(TIERS, st.lists(STEP, max_size=80))
def test_after_any_sequence_of_admitted_charges_no_pair_is_over_its_threshold(
    tier: Tier, steps: list[tuple[int, RequestKind, timedelta | None, int, str]]
) -> None:
    """A caller that charges only what is admitted never takes a pair over the threshold."""
    rates, now = counter(tier), T0
    for micros, kind, age, n, symbol in steps:
        now += timedelta(microseconds=micros)
        price = cost(kind, age, n)
        if admit(rates, symbol, price, now).ok:
            rates = charge(rates, symbol, price, now)
        assert level(rates, symbol, now) <= rates.limits.threshold


@given(TIERS, st.lists(STEP, max_size=80), MARGINS, st.data())
def test_what_is_admitted_passes_at_an_exchange_that_counts_each_request_on_arrival(
    tier: Tier,
    steps: list[tuple[int, RequestKind, timedelta | None, int, str]],
    margin: timedelta,
    data: st.DataObject,
) -> None:
    """Each request admitted and charged here reaches the exchange within the margin, in the
    order sent; the exchange's own count, kept from the arrivals, never passes the threshold."""
    here, there, now, arrived = counter(tier, margin), counter(tier, NO_MARGIN), T0, T0
    for micros, kind, age, n, symbol in steps:
        now += timedelta(microseconds=micros)
        price = cost(kind, age, n)
        if not admit(here, symbol, price, now).ok:
            continue
        here = charge(here, symbol, price, now)
        trip = data.draw(st.integers(min_value=0, max_value=margin // US), label="trip")
        arrived = max(arrived, now + timedelta(microseconds=trip))  # one socket: in order
        there = charge(there, symbol, price, arrived)
        assert level(there, symbol, arrived) <= there.limits.threshold


@given(TIERS, st.lists(STEP, min_size=1, max_size=40), MARGINS)
def test_waiting_the_offered_time_admits_the_same_request(
    tier: Tier, steps: list[tuple[int, RequestKind, timedelta | None, int, str]], margin: timedelta
) -> None:
    """A refusal's wait, once waited, admits the same request on the same pair."""
    rates, now = counter(tier, margin), T0
    for micros, kind, age, n, symbol in steps:
        now += timedelta(microseconds=micros)
        rates = charge(rates, symbol, cost(kind, age, n), now)
    _, kind, age, n, symbol = steps[-1]
    verdict = admit(rates, symbol, cost(kind, age, n), now)
    if verdict.wait_seconds is not None:
        later = now + timedelta(microseconds=int(verdict.wait_seconds * 1_000_000))
        assert admit(rates, symbol, cost(kind, age, n), later).ok


@given(TIERS, st.lists(STEP, max_size=80), MARGINS)
def test_take_is_admit_then_charge_only_what_was_admitted(
    tier: Tier, steps: list[tuple[int, RequestKind, timedelta | None, int, str]], margin: timedelta
) -> None:
    """`take` answers as `admit` does, and leaves the counter as `charge` would after an
    admitted request, and unchanged after a refused one, over any sequence on two pairs."""
    rates, now = counter(tier, margin), T0
    for micros, kind, age, n, symbol in steps:
        now += timedelta(microseconds=micros)
        price = cost(kind, age, n)
        allowed, taken = take(rates, symbol, price, now)
        assert allowed == admit(rates, symbol, price, now)
        assert taken == (charge(rates, symbol, price, now) if allowed.ok else rates)
        rates = taken


@given(TIERS, st.lists(STEP, max_size=40), st.integers(min_value=0, max_value=10**9))
def test_without_a_charge_the_count_only_falls_and_never_below_zero(
    tier: Tier, steps: list[tuple[int, RequestKind, timedelta | None, int, str]], later: int
) -> None:
    """Time alone never raises a count, and no count goes below zero."""
    rates, now = counter(tier), T0
    for micros, kind, age, n, symbol in steps:
        now += timedelta(microseconds=micros)
        rates = charge(rates, symbol, cost(kind, age, n), now)
    after = now + timedelta(microseconds=later)
    assert D(0) <= level(rates, BTC, after) <= level(rates, BTC, now)
