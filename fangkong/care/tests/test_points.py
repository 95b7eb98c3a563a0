"""A done errand earns red points through the workforce scheme, once, for the person who did it
(care only sends ``work_done``; the points app decides)."""

from __future__ import annotations

import datetime as dt

from fangkong.care import services
from fangkong.care.tests.factories import errand_in
from fangkong.monitoring.tests.factories import local
from fangkong.workforce.models import PointEntry, PointRule
from fangkong.workforce.tests.factories import make_worker

D = dt.date(2020, 2, 3)


def test_a_done_errand_earns_red_points_once(users, tree, volunteer, clock):
    clock.set(local(D, 10))
    PointRule.objects.create(county=tree["county"], kind="errand_done", points=3)
    worker = make_worker(tree["qianjin"], "志愿者小李", user=volunteer)
    errand = errand_in(tree["qianjin_g1"], by=users["grid_worker"])
    services.errand_take(by=volunteer, errand=errand)
    assert not PointEntry.objects.exists()  # taking earns nothing
    services.errand_done(by=volunteer, errand=errand, money_spent="20")
    entry = PointEntry.objects.get()
    assert (entry.worker, entry.points, entry.kind, entry.day) == (worker, 3, "errand_done", D)
    assert entry.record_id == errand.pk
    cancelled = errand_in(tree["qianjin_g1"], by=users["grid_worker"])
    services.errand_cancel(by=volunteer, errand=cancelled, reason="家属已买到")
    assert PointEntry.objects.count() == 1  # a cancelled errand earns nothing
