"""The register's columns as fangkong names them: the export's headers, the import template's,
and the choices of the preview page's column map.

Each label has the translation context "register column", so it is a msgid of its own: the
audit log's "Address" (an IP address) or a page's "Name" never retitles a sheet's column. Every
label, in every language, is also in the import dictionary (``fangkong.core.sheets.columns``),
so an export reads back as it was written.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

CONTEXT = "register column"

FIELD_LABELS: dict[str, Promise] = {
    "name": pgettext_lazy(CONTEXT, "Name"),
    "id_type": pgettext_lazy(CONTEXT, "ID type"),
    "id_number": pgettext_lazy(CONTEXT, "ID number"),
    "sex": pgettext_lazy(CONTEXT, "Sex"),
    "birth_date": pgettext_lazy(CONTEXT, "Birth date"),
    "phone": pgettext_lazy(CONTEXT, "Phone"),
    "head_name": pgettext_lazy(CONTEXT, "Household head"),
    "relationship": pgettext_lazy(CONTEXT, "Relationship to head"),
    "address": pgettext_lazy(CONTEXT, "Address"),
    "address_estate": pgettext_lazy(CONTEXT, "Estate"),
    "address_building": pgettext_lazy(CONTEXT, "Building"),
    "address_unit": pgettext_lazy(CONTEXT, "Unit"),
    "address_room": pgettext_lazy(CONTEXT, "Room"),
    "household_number": pgettext_lazy(CONTEXT, "Household number"),
    "group": pgettext_lazy(CONTEXT, "Village group"),
    "grid": pgettext_lazy(CONTEXT, "Grid / area"),
    "residence_status": pgettext_lazy(CONTEXT, "Residence status"),
    "low_income": pgettext_lazy(CONTEXT, "Subsistence allowance"),
    "elderly_alone": pgettext_lazy(CONTEXT, "Elderly living alone"),
    "chronic_illness": pgettext_lazy(CONTEXT, "Chronic or serious illness"),
    "pregnant": pgettext_lazy(CONTEXT, "Pregnant or postpartum"),
    "disabled": pgettext_lazy(CONTEXT, "Disabled"),
    "notes": pgettext_lazy(CONTEXT, "Notes"),
}
CONTACT_PHONE = pgettext_lazy(CONTEXT, "Contact phone")
MEMBERS = pgettext_lazy(CONTEXT, "Members")
