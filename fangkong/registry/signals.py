"""Signals the register sends, so the apps built on it follow its changes without the register
importing them (it sits below screening, monitoring and the rest)."""

from django.dispatch import Signal

# Sent inside the transaction of ``household_update`` when a household moves to another county,
# after its residents have been given the new county. Receivers move their own rows (each large
# table carries ``county``, the tenant key) in the same transaction.
# Arguments: household, old_county_id, new_county_id.
household_county_changed = Signal()
