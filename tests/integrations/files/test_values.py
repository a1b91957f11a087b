"""Cell parsers: amounts in rupees, quantities, day-first dates in IST, states, status keys."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations.connectors.files.values import (
    DateParser,
    cell_text,
    indian_state,
    parse_amount,
    parse_quantity,
    status_key,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("499", D("499.00")),
        ("₹1,099.00", D("1099.00")),
        ("₹ 1,23,456.50", D("123456.50")),
        ("Rs. 499", D("499.00")),
        ("Rs.1,299", D("1299.00")),
        ("rs 75", D("75.00")),
        ("INR 2,499.5", D("2499.50")),
        ("449.125", D("449.13")),
        ("0", D("0.00")),
        ("1\u00a0299", D("1299.00")),
    ],
)
def test_amounts_drop_currency_marks_and_indian_digit_grouping(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["abc", "Rs. abc", "12,3x", "NaN", "Infinity", "", "1.2.3"])
def test_text_that_is_not_an_amount_is_refused_with_the_value_in_the_reason(text):
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["-5", "(100)", "₹-1"])
def test_negative_amounts_are_refused(text):
    with pytest.raises(ValueError, match="negative"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "expected"), [("2", 2), ("2.0", 2), (" 1 ", 1), ("1,000", 1000)])
def test_quantities_are_whole_numbers(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "not a positive quantity"),
        ("-1", "not a positive quantity"),
        ("2.5", "not a whole number"),
        ("two", "not a whole number"),
        ("", "not a whole number"),
    ],
)
def test_bad_quantities_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_quantity(text)


MIDNIGHT_1_MAY_IST = datetime(2024, 4, 30, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", MIDNIGHT_1_MAY_IST),
        ("01-05-2024", MIDNIGHT_1_MAY_IST),
        ("01/05/2024", MIDNIGHT_1_MAY_IST),
        ("1 May 2024", MIDNIGHT_1_MAY_IST),
        ("01-May-2024", MIDNIGHT_1_MAY_IST),
        ("2024-05-01 00:00:00", MIDNIGHT_1_MAY_IST),
        ("2024-05-01 10:00:00", datetime(2024, 5, 1, 4, 30, tzinfo=UTC)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 4, 30, tzinfo=UTC)),
        ("01-05-2024 10:15", datetime(2024, 5, 1, 4, 45, tzinfo=UTC)),
        ("01/05/2024 02:30 PM", datetime(2024, 5, 1, 9, 0, tzinfo=UTC)),
        ("2024-05-01 10:00:00.250000", datetime(2024, 5, 1, 4, 30, 0, 250000, tzinfo=UTC)),
        ("2024-05-01T10:00:00+05:30", datetime(2024, 5, 1, 4, 30, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_day_first_and_ist_unless_they_carry_an_offset(text, expected):
    parsed = DateParser()(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_a_day_first_date_is_never_read_month_first():
    assert DateParser()("02/05/2024") == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)


def test_a_parser_keeps_working_after_the_format_changes_mid_file():
    parse = DateParser()
    assert parse("01-05-2024").date() == date(2024, 4, 30)
    assert parse("2024-05-03") == datetime(2024, 5, 2, 18, 30, tzinfo=UTC)
    assert parse("04-05-2024") == datetime(2024, 5, 3, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["31-02-2024", "2024-13-01", "yesterday", "05/2024"])
def test_impossible_dates_are_refused_naming_the_expected_forms(text):
    with pytest.raises(ValueError, match=r"is not a date \(expected e\.g\. 2024-05-01"):
        DateParser()(text)


def test_a_profile_can_restrict_formats_and_zone():
    parse = DateParser(["%m/%d/%Y"], UTC)
    assert parse("05/01/2024") == datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  KURTA-1 ", "KURTA-1"),
        (3.0, "3"),
        (449.5, "449.5"),
        (108233562437491872, "108233562437491872"),
        (datetime(2024, 5, 1, 10, 0), "2024-05-01 10:00:00"),  # noqa: DTZ001 - as openpyxl reads
        (date(2024, 5, 1), "2024-05-01"),
        (True, "TRUE"),
    ],
)
def test_xlsx_cells_read_as_the_text_a_seller_sees(value, expected):
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maharashtra", ("Maharashtra", "MH")),
        ("KARNATAKA", ("Karnataka", "KA")),
        ("MH", ("Maharashtra", "MH")),
        ("Orissa", ("Odisha", "OR")),
        ("Jammu & Kashmir", ("Jammu and Kashmir", "JK")),
        ("  tamil   nadu ", ("Tamil Nadu", "TN")),
        ("Atlantis", ("Atlantis", "")),
    ],
)
def test_indian_states_get_their_province_codes(text, expected):
    assert indian_state(text) == expected


def test_status_keys_ignore_case_spaces_and_hyphens():
    assert status_key(" rto complete ") == status_key("RTO-Complete") == "RTO_COMPLETE"
