"""Signals the register sends, so the apps built on it follow its changes without the register
importing them (it sits below screening, monitoring and the rest)."""

from django.dispatch import Signal

# Sent inside the transaction of ``household_update`` when a household moves to another county,
# after its residents have been given the new county. Receivers move their own rows (each large
# table carries ``county``, the tenant key) in the same transaction.
# Arguments: household, old_county_id, new_county_id.
household_county_changed = Signal()

# Sent inside the register's transaction when households change area (an edit, a move to another
# county) or residents change household (an edit, a re-import that moves them), after the
# register's rows are written. The apps that keep the household's area on their own rows (cases,
# visits) set it again from the register for those households and residents.
# Arguments: households (ids whose area changed), residents (ids whose household changed).
places_changed = Signal()
