"""Answers from the exchange (ws_v2_responses.py): success, error, validate-only, partial batch."""

import pytest

from momentum.errors import InputInvalid
from momentum.exchange.kraken.ws_v2_responses import (
    OrderAck,
    Placed,
    Rejected,
    Validated,
    decode_answer,
    error_kind,
)

# The two answers in docs.kraken.com/api/docs/websocket-v2/add_order (digest §1.8).
DOC_SUCCESS = (
    b'{"method":"add_order","req_id":123456789,"result":{"order_id":"AA5JGQ-SBMRC-SCJ7J7",'
    b'"order_userref":100054},"success":true,"time_in":"2023-09-21T14:15:07.197274Z",'
    b'"time_out":"2023-09-21T14:15:07.205301Z"}'
)
DOC_ERROR = (
    b'{"error":"EOrder:Insufficient funds","method":"add_order","req_id":123456789,'
    b'"success":false,"time_in":"2023-09-21T14:15:07.197274Z",'
    b'"time_out":"2023-09-21T14:15:07.205301Z"}'
)


def test_the_docs_success_answer_is_a_placed_order() -> None:
    answer = decode_answer(DOC_SUCCESS).unwrap()
    assert answer.outcome == Placed(
        orders=(OrderAck(order_id="AA5JGQ-SBMRC-SCJ7J7", order_userref=100054),)
    )
    assert (answer.req_id, answer.time_in) == (123456789, "2023-09-21T14:15:07.197274Z")


def test_the_docs_error_answer_keeps_its_text_and_kind() -> None:
    assert decode_answer(DOC_ERROR).unwrap().outcome == Rejected(
        kind="insufficient_funds", text="EOrder:Insufficient funds"
    )


def test_a_validate_answer_is_valid_not_placed() -> None:
    data = b'{"method":"add_order","result":{"order_id":"","warnings":["w"]},"success":true}'
    assert decode_answer(data).unwrap().outcome == Validated(
        orders=(OrderAck(order_id="", warnings=("w",)),)
    )


def test_a_partial_batch_answer_keeps_each_order() -> None:
    data = (
        b'{"method":"batch_add","success":true,"result":[{"order_id":"O1"},'
        b'{"error":"EOrder:Insufficient funds"}]}'
    )
    outcome = decode_answer(data).unwrap().outcome
    assert outcome == Placed(
        orders=(OrderAck(order_id="O1"), OrderAck(error="EOrder:Insufficient funds"))
    )


def test_amend_and_cancel_answers() -> None:
    amend = (
        b'{"method":"amend_order","success":true,"result":{"amend_id":"TTW6PD","order_id":"O1"}}'
    )
    cancel = b'{"method":"cancel_order","success":true,"result":{"order_id":"O1"}}'
    assert decode_answer(amend).unwrap().outcome == Placed(
        orders=(OrderAck(amend_id="TTW6PD", order_id="O1"),)
    )
    assert decode_answer(cancel).unwrap().outcome == Placed(orders=(OrderAck(order_id="O1"),))


def test_unknown_extra_fields_are_tolerated() -> None:
    data = DOC_SUCCESS.replace(b'"success":true', b'"success":true,"new_field":{"x":1}')
    assert isinstance(decode_answer(data).unwrap().outcome, Placed)


@pytest.mark.parametrize("data", [b"", b"{}", b'{"method":"subscribe","success":true}', b"[1]"])
def test_anything_else_is_a_problem_not_an_exception(data: bytes) -> None:
    assert [p.field for p in decode_answer(data).failure()] == ["answer"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("EOrder:Tick size check failed", "tick_size"),
        ("EOrder:Order minimum not met", "order_minimum"),
        ("EOrder:Cost minimum not met", "cost_minimum"),
        ("EOrder:Insufficient funds", "insufficient_funds"),
        ("EService:Deadline elapsed", "deadline_elapsed"),
        ("EOrder:Post only order", "post_only"),
        ("EOrder:Rate limit exceeded", "rate_limit"),
        ("EGeneral:Permission denied", "permission_denied"),
        ("EGeneral:Invalid arguments", "invalid_arguments"),
        ("EGeneral:Invalid arguments:Index unavailable", "index_unavailable"),
        ("EService:Market in cancel_only mode", "market_cancel_only"),
        ("EService:Throttled: 1700000000", "throttled"),
        ("Unsupported field: 'leverage'", "unsupported_field"),
        ("EGeneral:Internal error:5", "internal_error"),
        ("ESomething:New", "unknown"),
    ],
)
def test_error_strings_map_to_kinds(text: str, kind: str) -> None:
    assert error_kind(text) == kind


def test_an_answer_that_is_not_one_is_refused_with_the_decoders_words() -> None:
    assert decode_answer(b'{"method":"ping","success":true}').failure() == (
        InputInvalid(
            field="answer",
            given="Invalid enum value 'ping' - at `$.method`",
            accepted="a Kraken WS v2 trading answer",
        ),
    )


def test_an_answer_keeps_its_method_and_both_times() -> None:
    answer = decode_answer(DOC_SUCCESS).unwrap()
    assert (answer.method, answer.time_in, answer.time_out) == (
        "add_order",
        "2023-09-21T14:15:07.197274Z",
        "2023-09-21T14:15:07.205301Z",
    )


def test_a_refusal_without_a_text_is_rejected_with_an_empty_one() -> None:
    outcome = decode_answer(b'{"method":"add_order","success":false}').unwrap().outcome
    assert outcome == Rejected(kind=error_kind(""), text="")


def test_a_success_without_a_result_placed_no_order_it_can_name() -> None:
    answer = decode_answer(b'{"method":"cancel_order","success":true}').unwrap()
    assert answer.outcome == Placed(orders=())


def test_a_validated_batch_is_valid_not_placed() -> None:
    data = b'{"method":"batch_add","success":true,"result":[{"order_id":""},{"order_id":""}]}'
    assert decode_answer(data).unwrap().outcome == Validated(
        orders=(OrderAck(order_id=""), OrderAck(order_id=""))
    )
