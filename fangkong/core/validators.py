"""Validation and normalisation of the personal numbers the register keeps, and of money.

居民身份证号 (GB 11643-1999): 17 digits + MOD 11-2 check character, the birth date inside it must be a
real date not in the future. Phones: mainland mobiles (11 digits, 13–19…, optional +86) and landlines
with an area code, checked with ``phonenumbers``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_SCI_RE = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def normalise_text(value: object) -> str:
    """Full-width → half-width (NFKC), surrounding and inner blanks removed, upper case."""
    text = value if isinstance(value, str) else str(value or "")
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).upper()


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_sex(number: str) -> str:
    """'M' or 'F' from the sequence digit (17th character: odd male, even female)."""
    return "M" if int(number[16]) % 2 else "F"


def validate_id_number(value: object, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character number or raise ``ValidationError`` with a code.

    ``today`` may be passed by callers that validate many numbers at once."""
    number = normalise_text(value)
    if not number:
        raise ValidationError(_("Enter the ID number."), code="id_required")
    if _SCI_RE.match(number):
        raise ValidationError(
            _(
                "The ID number was stored by Excel as a number in scientific notation (%(value)s) "
                "and its last digits are lost; format the column as text and type it again."
            ),
            code="id_scientific",
            params={"value": number},
        )
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d."),
            code="id_length",
            params={"n": len(number)},
        )
    if not _ID_RE.match(number):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_format"
        )
    birth = id_birth_date(number)
    if birth is None:
        raise ValidationError(
            _("The birth date in the ID number (%(d)s) is not a real date."),
            code="id_birth_date",
            params={"d": number[6:14]},
        )
    if birth > (today or timezone.localdate()):
        raise ValidationError(
            _("The birth date in the ID number (%(d)s) is in the future."),
            code="id_future",
            params={"d": birth.isoformat()},
        )
    if birth.year < 1880:
        raise ValidationError(
            _("The birth date in the ID number (%(d)s) is impossible."),
            code="id_birth_date",
            params={"d": birth.isoformat()},
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of the ID number is wrong: please check every digit."),
            code="id_checksum",
        )
    return number


def validate_phone(value: object) -> str:
    """Return a mainland mobile as 11 digits or a landline as ``0AAA-NNNNNNN``; else raise."""
    raw = normalise_text(value).replace("(", "").replace(")", "")
    if not raw:
        raise ValidationError(_("Enter the phone number."), code="phone_required")
    digits = raw.replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit():
        raise ValidationError(_("A phone number has only digits."), code="phone_format")
    if len(digits) == 11 and digits[0] == "1":
        if digits[1] not in "3456789":
            raise ValidationError(
                _("A mobile number starts with 13 to 19."), code="phone_mobile_prefix"
            )
        return digits
    try:
        parsed = phonenumbers.parse(digits if digits.startswith("0") else "0" + digits, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if (
        parsed is not None
        and digits.startswith("0")
        and phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE
    ):
        national = str(parsed.national_number)
        # Area codes are 2 digits for 10 and 2x, 3 digits otherwise.
        area_len = 2 if national[0] in "12" else 3
        return f"0{national[:area_len]}-{national[area_len:]}"
    raise ValidationError(
        _("Enter an 11-digit mobile number or a landline with its area code (e.g. 0739-5221234)."),
        code="phone_invalid",
    )


def is_real_date_not_future(value: dt.date) -> bool:
    return value <= timezone.localdate()


def validate_yuan(value: object, *, field: str, maximum: Decimal) -> Decimal:
    """An amount of money in yuan from 0 to ``maximum``, to the fen: '56.5', '¥56.50', '1,000元'
    and an empty value (0) are accepted; anything else is a clear error on ``field``."""
    text = normalise_text(value).replace("¥", "").replace("元", "").replace(",", "")
    message = _("Enter an amount in yuan from 0 to %(max)s, e.g. 56.50.") % {"max": maximum}
    try:
        amount = Decimal(text or "0")
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({field: message}) from error
    if not amount.is_finite() or not Decimal(0) <= amount <= maximum:
        raise ValidationError({field: message})
    return amount.quantize(Decimal("0.01"))
