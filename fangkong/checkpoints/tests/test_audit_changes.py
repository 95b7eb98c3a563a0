"""Changing a checkpoint leaves an audit row that says what changed."""

from __future__ import annotations

import datetime as dt

from fangkong.checkpoints import services
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.core.models import AuditEvent


def test_a_checkpoint_edit_records_the_changed_fields(tree, users):
    checkpoint = make_checkpoint(tree["qianjin"])
    services.checkpoint_save(
        by=users["cadre"],
        checkpoint=checkpoint,
        area=tree["qianjin"],
        name="前进村东口卡点",
        kind="village_entrance",
        opens_at=dt.time(7),
        closes_at=dt.time(22),
    )
    detail = AuditEvent.objects.get(action="update", object_type="checkpoint").detail
    assert "name: 前进村东口 → 前进村东口卡点" in detail
    assert "opens_at: — → 07:00:00" in detail
    assert "kind" not in detail and "area" not in detail
