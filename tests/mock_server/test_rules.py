"""Every rule of CONTRACT.md, exercised against a running mock over real HTTP, in both flavors.

Each test is named after its rule id. Besides its own assertions, every HIS response goes through
`SpecCheckedSession`, which fails the test if the response breaks the spec or SEM-1..5.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import jwt
import pytest

from his_contract import Spec, check_bill
from tests.mock_server.conftest import BILL, BILL_ALIAS, LOGIN, SETTLE, MockClient
from tests.support.mock import (
    DEMO_BILL_ID,
    DEMO_CARD_NO,
    DEMO_REG_NO,
    HERBAL_REG_NO,
    SELF_PAY_REG_NO,
    demo_settle_body,
)
from tests.support.spec_examples import example_bill_envelope, spec_example

ALL_REG_NOS = ["1628214442", "1628214443", "1628214444", "1628214445", "1628214446"]
AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
UNIT_PRICE = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")


def _spec_settle_request(spec: Spec) -> dict[str, Any]:
    path = ["paths", "/api/MzSettle/SettleByDoctor", "post", "requestBody", "content", "application/json"]
    example: dict[str, Any] = spec_example(*path, "examples", "demo", "value")
    return example


def _varied_calls(mock: MockClient) -> list[Any]:
    """A spread of successes and failures of every operation."""
    return [
        mock.post(LOGIN, {"userId": "demo", "password": "demo"}, auth=False),
        mock.post(LOGIN, {"userId": "demo", "password": "wrong"}, auth=False),
        mock.post(BILL, {"RegNo": DEMO_REG_NO}),
        mock.post(BILL_ALIAS, {"RegNo": DEMO_REG_NO}),
        mock.post(BILL, {"RegNo": "9999999999"}),
        mock.post(BILL, {}),
        mock.post(BILL, {"RegNo": DEMO_REG_NO}, auth=False),
        mock.post(SETTLE, demo_settle_body(Money="1.00")),
        mock.post(SETTLE, demo_settle_body()),
    ]


# --- envelope ---------------------------------------------------------------------------------


def test_env_1_every_answer_is_a_json_envelope(mock: MockClient) -> None:
    for response in _varied_calls(mock):
        envelope = response.json()
        assert set(envelope) == {"status", "isSuccess", "msg", "msgDev", "response"}
        content_type = response.headers["Content-Type"]
        if mock.flavor == "doc" or envelope["status"] == 0 or response.status_code == 401:
            assert content_type.startswith("application/json"), (response.request.body, content_type)
        else:
            # aspnet: error envelopes are text/plain with sorted keys, as its exception filter writes them.
            assert content_type.startswith("text/plain")
            assert list(envelope) == sorted(envelope)
        assert response.status_code == (
            401 if mock.flavor == "aspnet" and envelope["status"] in (1, 3) else 200
        )


def test_env_2_status_comes_from_the_catalogue(mock: MockClient, spec: Spec) -> None:
    statuses = {response.json()["status"] for response in _varied_calls(mock)}
    assert statuses <= spec.status_codes
    assert statuses >= {0, 1, 5, 6}


def test_env_3_is_success_means_status_zero(mock: MockClient) -> None:
    for response in _varied_calls(mock):
        envelope = response.json()
        assert envelope["isSuccess"] is (envelope["status"] == 0)


def test_env_4_msg_and_msg_dev(mock: MockClient) -> None:
    for response in _varied_calls(mock):
        envelope = response.json()
        assert isinstance(envelope["msg"], str)
        assert envelope["msgDev"] is None or isinstance(envelope["msgDev"], str)
        if envelope["status"] != 0:
            assert envelope["msg"]
            assert envelope["response"] is None


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_env_5_no_html_error_pages(mock: MockClient, method: str) -> None:
    wrong_method = mock.http.request(method, mock.base_url + BILL)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"].startswith("POST") or "POST" in wrong_method.headers["Allow"]
    assert wrong_method.json()["status"] == 5
    unknown = mock.http.post(mock.base_url + "/api/MzSettle/NoSuchOperation", json={})
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/json")
    assert unknown.json()["status"] == 5


# --- schema -----------------------------------------------------------------------------------


def test_sch_1_the_documents_example_request_returns_the_documents_example_bill(
    mock: MockClient, spec: Spec
) -> None:
    example = example_bill_envelope()
    request_example = spec_example(
        "components", "requestBodies", "UnSettleBillRequest", "content", "application/json", "examples"
    )["document"]["value"]
    envelope = mock.envelope(BILL, request_example)
    assert envelope["status"] == 0
    assert envelope["response"] == example["response"]
    assert mock.bill(DEMO_REG_NO) == mock.envelope(BILL_ALIAS, {"RegNo": DEMO_REG_NO})


def test_sch_1_every_response_matches_its_schema(mock: MockClient, spec: Spec) -> None:
    for reg_no in ALL_REG_NOS:
        envelope = mock.bill(reg_no)
        assert envelope["status"] == 0
        assert not list(spec.response_validator("getUnSettleBillByDoctor").iter_errors(envelope))
    receipt = mock.settle(demo_settle_body())
    assert receipt["status"] == 0
    assert not list(spec.response_validator("settleByDoctor").iter_errors(receipt))
    assert mock.http.checked >= len(ALL_REG_NOS) + 2


def test_sch_2_amounts_are_decimal_strings(mock: MockClient) -> None:
    for reg_no in ALL_REG_NOS:
        bill = mock.bill(reg_no)["response"]
        for key in ("SumFund", "SBZFJE", "GRZFJE3"):
            assert AMOUNT.match(bill[key]), (reg_no, key, bill[key])
        for detail in bill["FeeDetail"]:
            for category in detail["FeeCat"]:
                for item in category["items"]:
                    assert AMOUNT.match(item["SumPrice"])
                    for line in item["PerItem"]:
                        assert AMOUNT.match(line["PerPrice"])
                        assert UNIT_PRICE.match(line["Price"])
    receipt = mock.settle(demo_settle_body())["response"]
    assert [receipt[key] for key in ("SumFund", "SBZFJE", "GRZFJE3")] == ["136.40", "95.48", "40.92"]


# --- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (LOGIN, {"password": "demo"}, "userId"),
        (LOGIN, {"userId": "", "password": "demo"}, "userId"),
        (BILL, {}, "RegNo"),
        (BILL, {"RegNo": ""}, "RegNo"),
        (SETTLE, {k: v for k, v in demo_settle_body().items() if k != "Money"}, "Money"),
        (SETTLE, demo_settle_body(Money="40.9x"), "Money"),
        (SETTLE, demo_settle_body(Money="-40.92"), "Money"),
        (SETTLE, demo_settle_body(BILLID=""), "BILLID"),
    ],
    ids=["login-no-userId", "login-empty-userId", "bill-no-RegNo", "bill-empty-RegNo", "settle-no-Money",
         "settle-bad-Money", "settle-negative-Money", "settle-empty-BILLID"],
)  # fmt: skip
def test_inp_1_missing_or_invalid_field_is_status_5_naming_it(
    mock: MockClient, path: str, body: dict[str, Any], field: str
) -> None:
    envelope = mock.envelope(path, body, auth=path != LOGIN)
    assert envelope["status"] == 5
    assert envelope["msg"].startswith("入参参数错误")
    assert field in envelope["msg"]
    assert field in (envelope["msgDev"] or "")


def test_inp_1_messages_follow_the_documents_examples(doc: MockClient) -> None:
    envelope = doc.envelope(BILL, {})
    assert envelope["msg"] == "入参参数错误：RegNo 为必填项"
    assert envelope["msgDev"] == "body: 'RegNo' is a required property"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'{"RegNo": "1628214442"', "application/json"),
        (b"", "application/json"),
        (b'["1628214442"]', "application/json"),
        (b'"1628214442"', "application/json"),
        (b'{"RegNo": 1628214442}', "application/json"),
        (b'{"RegNo": "1628214442"}', "text/plain"),
    ],
    ids=["truncated-json", "empty-body", "array-body", "string-body", "number-RegNo", "wrong-content-type"],
)
def test_inp_1_unbindable_bodies(mock: MockClient, data: bytes, content_type: str) -> None:
    response = mock.post(BILL, data=data, headers={"Content-Type": content_type})
    if mock.flavor == "aspnet":
        # A stock ASP.NET Core [ApiController] cannot bind such a body: 400 ProblemDetails.
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"]
    else:
        assert response.status_code == 200
        envelope = response.json()
        assert envelope["status"] == 5
        assert envelope["msg"].startswith("入参参数错误")


def test_inp_2_unknown_registration_is_status_6(mock: MockClient) -> None:
    envelope = mock.bill("9999999999")
    assert envelope["status"] == 6
    assert "9999999999" in envelope["msg"]
    assert envelope["response"] is None
    settle = mock.settle(demo_settle_body(RegSerNo="9999999999"))
    assert settle["status"] == 6


# --- auth -------------------------------------------------------------------------------------


def test_auth_1_login_gives_an_hs256_jwt(mock: MockClient) -> None:
    envelope = mock.envelope(LOGIN, {"userId": "demo", "password": "demo"}, auth=False)
    assert envelope["status"] == 0
    token = envelope["response"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "demo"
    assert claims["iss"] == "his-mock"
    assert claims["exp"] > time.time()
    if mock.flavor == "doc":
        assert isinstance(claims["iat"], int)
        assert claims["iat"] <= time.time() + 1
    else:
        # A stock ASP.NET Core deployment writes iat as a string from local time (UTC+8): hours ahead.
        assert isinstance(claims["iat"], str)
        assert int(claims["iat"]) > time.time() + 3600


@pytest.mark.parametrize(
    "body",
    [{"userId": "demo", "password": "wrong"}, {"userId": "nobody", "password": "demo"}, {"userId": "demo"}],
    ids=["wrong-password", "unknown-user", "no-password"],
)
def test_auth_2_wrong_credentials_get_no_token(mock: MockClient, body: dict[str, str]) -> None:
    envelope = mock.envelope(LOGIN, body, auth=False)
    assert envelope["status"] == 6
    assert envelope["msg"] == "用户名或密码错误"
    assert envelope["response"] is None


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}."


BAD_AUTHORIZATION = {
    "missing": lambda token: None,
    "empty": lambda token: "",
    "garbage": lambda token: "Bearer not-a-jwt",
    "three-garbage-parts": lambda token: "Bearer aaa.bbb.ccc",
    "tampered-payload": lambda token: f"Bearer {_tampered(token)}",
    "alg-none": lambda token: f"Bearer {_unsigned(token)}",
    "other-secret": lambda token: (
        "Bearer "
        + jwt.encode(
            {"sub": "demo", "iss": "his-mock", "exp": int(time.time()) + 600}, "x" * 32, algorithm="HS256"
        )
    ),
    "basic-scheme": lambda token: f"Basic {token}",
    "no-scheme": lambda token: token,
    "two-spaces": lambda token: f"Bearer  {token}",
    "lowercase-scheme": lambda token: f"bearer {token}",
}


@pytest.mark.parametrize("kind", list(BAD_AUTHORIZATION))
def test_auth_3_bad_tokens_are_status_1(mock: MockClient, kind: str) -> None:
    authorization = BAD_AUTHORIZATION[kind](mock.token)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = mock.post(BILL, {"RegNo": DEMO_REG_NO}, auth=authorization is not None, headers=headers)
    envelope = response.json()
    assert envelope["status"] == 1
    assert envelope["msg"].startswith("签名错误")
    if mock.flavor == "aspnet":
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 200


def test_auth_4_expired_token_is_status_3(mock: MockClient) -> None:
    response = mock.post(BILL, {"RegNo": DEMO_REG_NO}, token=mock.expired_token())
    assert response.json()["status"] == 3
    if mock.flavor == "aspnet":
        assert response.status_code == 401
        assert response.headers["Token-Expired"] == "true"


def test_auth_5_the_login_token_is_accepted(mock: MockClient) -> None:
    token = mock.envelope(LOGIN, {"userId": "kiosk01", "password": "kiosk-2021"}, auth=False)["response"]
    assert mock.bill(DEMO_REG_NO, token=token)["status"] == 0
    assert mock.envelope(BILL_ALIAS, {"RegNo": DEMO_REG_NO}, token=token)["status"] == 0


# --- bill semantics ---------------------------------------------------------------------------


@pytest.fixture
def bills(mock: MockClient) -> dict[str, dict[str, Any]]:
    return {reg_no: mock.bill(reg_no)["response"] for reg_no in ALL_REG_NOS}


@pytest.mark.parametrize("rule", ["SEM-1", "SEM-2", "SEM-3", "SEM-4", "SEM-5"])
def test_sem_rules_hold_on_every_demo_bill(bills: dict[str, dict[str, Any]], rule: str) -> None:
    for reg_no, bill in bills.items():
        assert [v for v in check_bill(bill) if v.rule_id == rule] == [], reg_no


def test_sem_1_sumfund_is_not_simply_insured_plus_own_share(bills: dict[str, dict[str, Any]]) -> None:
    bill = bills["1628214445"]  # a personal-account payment sits outside SBZFJE and GRZFJE3
    assert float(bill["SBZFJE"]) + float(bill["GRZFJE3"]) < float(bill["SumFund"])


def test_sem_5_self_pay_bill_has_no_insured_share(bills: dict[str, dict[str, Any]]) -> None:
    bill = bills[SELF_PAY_REG_NO]
    assert bill["FeeType"] == "自费"
    assert bill["SBZFJE"] == "0.00"
    assert bill["GRZFJE3"] == bill["SumFund"]


def test_sem_3_herbal_prescription_with_doses_and_decoction_fee(bills: dict[str, dict[str, Any]]) -> None:
    items = [item for d in bills[HERBAL_REG_NO]["FeeDetail"] for c in d["FeeCat"] for item in c["items"]]
    herbs = [item for item in items if item["ZYTS"] == "7" and item["DeliveryFeeFlag"] == "0"]
    decoction = [item for item in items if item["DeliveryFeeFlag"] == "1"]
    assert herbs and len(herbs[0]["PerItem"]) >= 5
    assert decoction and decoction[0]["PerItem"][0]["PerItemName"] == "中药代煎费"
    assert herbs[0]["IsDecoction"] == "1"


# --- settlement -------------------------------------------------------------------------------


def _settled(mock: MockClient) -> list[dict[str, Any]]:
    settlements = mock.admin("GET", "/settlements").json()
    assert isinstance(settlements, list)
    return settlements


def test_set_1_wrong_money_is_refused_and_the_bill_stays_unsettled(mock: MockClient) -> None:
    envelope = mock.settle(demo_settle_body(Money="40.00"))
    assert envelope["status"] == 6
    assert "40.00" in envelope["msg"] and "40.92" in envelope["msg"]
    assert mock.bill(DEMO_REG_NO)["response"]["BILLID"] == DEMO_BILL_ID
    assert _settled(mock) == []


def test_set_1_money_is_compared_as_a_decimal(mock: MockClient) -> None:
    assert mock.settle(demo_settle_body(Money="40.9"))["status"] == 6
    assert mock.settle(demo_settle_body(Money="040.92"))["status"] == 0


def test_set_2_the_documents_example_settles_the_demo_bill(mock: MockClient, spec: Spec) -> None:
    request = _spec_settle_request(spec)
    bill = mock.bill(request["RegSerNo"])["response"]
    envelope = mock.settle(request)
    assert envelope["status"] == 0, envelope
    receipt = envelope["response"]
    assert receipt["CardNo"] == request["CardNo"] == DEMO_CARD_NO
    assert receipt["RegSerNo"] == request["RegSerNo"] == DEMO_REG_NO
    assert [receipt[k] for k in ("SumFund", "SBZFJE", "GRZFJE3")] == [
        bill[k] for k in ("SumFund", "SBZFJE", "GRZFJE3")
    ]
    assert receipt["CheckOutNo"] and receipt["SerNo"]
    assert receipt["PatientName"] == "张伟"
    assert receipt["HospitalName"] == "广州市示例人民医院"
    orders = [item["OrderNumber"] for detail in receipt["Detail"] for item in detail["Item"]]
    assert orders == ["R202112030001", "J202112030002"]


def test_set_2_herbal_receipt_is_a_delivered_prescription(mock: MockClient) -> None:
    bill = mock.bill(HERBAL_REG_NO)["response"]
    body = demo_settle_body(
        CardNo="C000123458",
        RegSerNo=HERBAL_REG_NO,
        Money=bill["GRZFJE3"],
        BILLID=bill["BILLID"],
        SerialNumber="42000H1",
    )
    receipt = mock.settle(body)["response"]
    herbal = [item for detail in receipt["Detail"] for item in detail["Item"] if item["Type"] == "中草药"]
    assert herbal[0]["Flag"] == "1"
    assert herbal[0]["PhaWin"] == "中药房1号窗口"


def test_set_3_an_identical_replay_returns_the_same_receipt(mock: MockClient) -> None:
    first = mock.settle(demo_settle_body())
    again = mock.settle(demo_settle_body())
    assert first["status"] == again["status"] == 0
    assert again["response"] == first["response"]
    assert len(_settled(mock)) == 1


def test_set_4_a_new_serial_number_on_a_settled_bill_is_refused(mock: MockClient) -> None:
    assert mock.settle(demo_settle_body())["status"] == 0
    envelope = mock.settle(demo_settle_body(SerialNumber="4200009999202112039999999999"))
    assert envelope["status"] == 6
    assert "已结算" in envelope["msg"]
    assert len(_settled(mock)) == 1


def test_set_5_a_settled_bill_is_no_longer_offered(mock: MockClient) -> None:
    assert mock.settle(demo_settle_body())["status"] == 0
    for path in (BILL, BILL_ALIAS):
        envelope = mock.envelope(path, {"RegNo": DEMO_REG_NO})
        assert envelope["status"] == 6
        assert DEMO_BILL_ID in envelope["msg"]


@pytest.mark.parametrize(
    ("override", "word"),
    [
        ({"CardNo": "C000123457"}, "卡号"),
        ({"BILLID": "B202112030002"}, "B202112030002"),
    ],
    ids=["card-of-another-patient", "bill-of-another-registration"],
)
def test_set_settlement_must_match_the_registration(
    mock: MockClient, override: dict[str, str], word: str
) -> None:
    envelope = mock.settle(demo_settle_body(**override))
    assert envelope["status"] == 6
    assert word in envelope["msg"]
    assert _settled(mock) == []


def test_set_one_payment_settles_one_bill(mock: MockClient) -> None:
    assert mock.settle(demo_settle_body())["status"] == 0
    self_pay = mock.bill(SELF_PAY_REG_NO)["response"]
    reused = demo_settle_body(
        CardNo="C000123457", RegSerNo=SELF_PAY_REG_NO, Money=self_pay["GRZFJE3"], BILLID=self_pay["BILLID"]
    )
    envelope = mock.settle(reused)
    assert envelope["status"] == 6
    assert "交易流水号" in envelope["msg"]
    assert mock.bill(SELF_PAY_REG_NO)["status"] == 0


# --- transport --------------------------------------------------------------------------------


def test_trn_1_every_call_answers_promptly(mock: MockClient) -> None:
    for response in _varied_calls(mock):
        assert response.elapsed.total_seconds() < 2, response.request.url
