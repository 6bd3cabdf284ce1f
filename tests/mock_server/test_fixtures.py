"""The demo data and the checks every fixtures file goes through (the CLI tests run a few end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from his_contract import Spec, check_bill
from mock_server.errors import FixturesError
from mock_server.fixtures import demo_fixtures_path, load_fixtures
from tests.mock_server.test_cli import demo_with


def test_the_demo_registration_is_the_documents_example(spec: Spec) -> None:
    fixtures = load_fixtures(None, spec)
    example = spec.document["components"]["responses"]["UnSettleBill"]["content"]["application/json"][
        "examples"
    ]
    demo = fixtures.registrations[0]
    assert (demo.reg_no, demo.card_no, demo.patient_name) == ("1628214442", "C000123456", "张伟")
    assert demo.bill == example["success"]["value"]["response"]


def test_the_demo_data_is_varied_and_consistent(spec: Spec) -> None:
    fixtures = load_fixtures(None, spec)
    assert fixtures.source == str(demo_fixtures_path())
    assert ("demo", "demo") in [(u.user_id, u.password) for u in fixtures.users]
    bills = [r.bill for r in fixtures.registrations]
    assert all(check_bill(bill) == [] for bill in bills)
    assert {bill["FeeType"] for bill in bills} == {"医保", "自费"}
    categories = {c["FeeCatName"] for bill in bills for d in bill["FeeDetail"] for c in d["FeeCat"]}
    assert {"西药费", "中草药费", "检验费", "检查费", "治疗费"} <= categories
    assert len({r.bill_id for r in fixtures.registrations}) == len(fixtures.registrations) >= 5


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('PerPrice: "37.00"', 'PerPrice: "38.00"', ["registration 1628214442", "SEM-4"]),
        (
            'SBZFJE: "0.00"\n      GRZFJE3: "92.80"',
            'SBZFJE: "10.00"\n      GRZFJE3: "82.80"',
            ["registration 1628214443", "SEM-5", "自费"],
        ),
        ('SBZFJE: "95.48"', 'SBZFJE: "140.00"', ["registration 1628214442", "SEM-1", "exceeds SumFund"]),
        ('SumPrice: "56.40"', 'SumPrice: "56.00"', ["registration 1628214442", "SEM-3"]),
        ("BILLID: B202112030002", "BILLID: B202112030001", ["registration 1628214443", "B202112030001"]),
        ('RegNo: "1628214443"', 'RegNo: "1628214442"', ["registration 1628214442", "RegNo appears twice"]),
        ('RegNo: "1628214443"', "RegNo: 1628214443", ["registrations[1]", "RegNo", "must be a string"]),
        ("      BILLSTATUS: TB\n", "", ["registration 1628214442", "SCH-1", "'BILLSTATUS' is a required"]),
        ('Price: "18.5000"', 'Price: "18.50000"', ["registration 1628214442", "SCH-1", "Price"]),
        ("  - {userId: demo, password: demo}", "  - {userId: demo}", ["users[0]", "password"]),
        ("    PatientName: 张伟\n", "    PatientName: 张伟\n    Age: 45\n", ["unknown key", "Age"]),
        ("registrations:", "registrationz:", ["unknown top-level key", "registrationz"]),
        ("  tel: 020-12345678\n", "", ["hospital", "tel"]),
    ],
    ids=["sem-4", "sem-5", "sem-1", "sem-3", "duplicate-billid", "duplicate-regno", "numeric-regno",
         "missing-field", "price-decimals", "no-password", "unknown-key", "typo", "no-tel"],
)  # fmt: skip
def test_a_bad_fixtures_file_is_refused_with_the_registration_and_rule(
    spec: Spec, tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    path = demo_with(tmp_path, old, new)
    with pytest.raises(FixturesError) as caught:
        load_fixtures(path, spec)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"fixtures file {path}: ")
    for part in expected:
        assert part in message
