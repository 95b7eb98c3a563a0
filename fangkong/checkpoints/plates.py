"""Chinese vehicle plates (机动车号牌, GA 36): normalised and validated.

A plate is a province abbreviation, the letter of the issuing office, then:

- an ordinary plate (blue/yellow): 5 letters or digits (no I or O, which read as 1 and 0), or 4
  followed by 挂 (trailer), 学 (learner), 警 (police), 港 or 澳 (cross-border);
- a new-energy plate (green, 8 characters): a small car has D/A/B/C/E (battery electric) or
  F/G/H/J/K (other new energy) first, then a letter or digit and 4 digits (``湘ED12345``,
  ``粤BF1A234``); a large vehicle has 5 digits then one of those letters (``湘E12345D``).

People type them in every way (``湘e·12345``, ``湘E 12345``, full-width letters): blanks, dots and
middle dots go, letters go up, full width goes half width.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import normalise_text

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Letters used on plates: A–Z without I and O.
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
NEW_ENERGY_LETTERS = "DABCEFGHJK"
SUFFIXES = "挂学警港澳"

_L = f"[{LETTERS}]"
_A = f"[{LETTERS}{DIGITS}]"
_N = f"[{NEW_ENERGY_LETTERS}]"
_ORDINARY = re.compile(rf"^[{PROVINCES}]{_L}(?:{_A}{{5}}|{_A}{{4}}[{SUFFIXES}])$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}]{_L}{_N}{_A}\d{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}]{_L}\d{{5}}{_N}$")


def normalise_plate(value: object) -> str:
    text = normalise_text(value)
    return text.replace("·", "").replace(".", "").replace("-", "").replace("•", "")


def is_new_energy(plate: str) -> bool:
    return bool(_NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate))


def validate_plate(value: object) -> str:
    """Return the plate as ``湘E12345`` / ``湘ED12345``, or raise ``ValidationError``."""
    plate = normalise_plate(value)
    if not plate:
        raise ValidationError(_("Enter the plate number."), code="plate_required")
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("A plate starts with a province abbreviation such as 湘 or 鄂."),
            code="plate_province",
        )
    if _ORDINARY.match(plate) or is_new_energy(plate):
        return plate
    if "I" in plate or "O" in plate:
        raise ValidationError(
            _("Plates use no letter I or O: it is the digit 1 or 0."), code="plate_io"
        )
    if len(plate) not in (7, 8):
        raise ValidationError(
            _("A plate has 7 characters (8 for a green new-energy plate); this one has %(n)d."),
            code="plate_length",
            params={"n": len(plate)},
        )
    raise ValidationError(
        _("This is not a plate number: e.g. 湘E12345, or 湘ED12345 for a new-energy car."),
        code="plate_format",
    )
