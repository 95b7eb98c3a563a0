"""Signals between capabilities that must not import each other.

``work_done`` is sent when a person finished a piece of work that a points scheme may reward
(a shift worked, a household visited, an errand done, a check-in taken ...)::

    work_done.send(sender=Errand, record=errand, person=user, kind="errand_done", day=date)

``record`` is the saved model instance that earned it (a reward is granted once per record and
kind), ``person`` the ``accounts.User`` who did the work, ``kind`` a short stable key and ``day``
the date the work counts for. Send it with ``transaction.on_commit`` or inside the writing
transaction; receivers write in the same transaction, so a rolled-back record earns nothing.
"""

from django.dispatch import Signal

work_done = Signal()
