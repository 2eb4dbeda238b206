"""Daily housekeeping forgets expired idempotency records, and nothing newer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from integration.scheduler.housekeeping import prune_store
from integration.scheduler.service import SchedulerService
from integration.store.db import Store
from integration.store.models import (
    DriveChannel,
    DriveChannelEvent,
    IdempotencyKey,
    SyncRequest,
    WebhookDelivery,
    utcnow,
)


def test_prune_keeps_the_replay_window(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with store.session() as s:
        for days, did in ((8, "old"), (6, "recent")):
            s.add(
                WebhookDelivery(
                    partner="lv",
                    delivery_id=did,
                    source="forms",
                    received_at=now - timedelta(days=days),
                    status_code=201,
                    response={},
                )
            )
        s.add(
            IdempotencyKey(
                token_id=1, key="k-old", request_hash="h", created_at=now - timedelta(days=2)
            )
        )
        s.add(IdempotencyKey(token_id=1, key="k-new", request_hash="h", created_at=now))
        s.add(SyncRequest(partner="lv", trigger="api", consumed_at=now - timedelta(days=40)))
        s.add(SyncRequest(partner="lv", trigger="api"))  # pending: never pruned
    pruned = prune_store(store)
    assert (pruned.webhook_deliveries, pruned.idempotency_keys, pruned.sync_requests) == (1, 1, 1)
    with store.session() as s:
        assert s.scalars(select(WebhookDelivery.delivery_id)).all() == ["recent"]
        assert s.scalars(select(IdempotencyKey.key)).all() == ["k-new"]
        assert s.scalars(select(SyncRequest.consumed_at)).all() == [None]
    assert prune_store(store) == type(pruned)(0, 0, 0)


def test_clock_schedules_housekeeping_daily(store: Store, config) -> None:  # type: ignore[no-untyped-def]
    service = SchedulerService(config, store, catch_up=False)
    job = service.scheduler.get_job("housekeeping")
    assert job is not None
    first = job.trigger.get_next_fire_time(None, utcnow())
    second = job.trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert timedelta(hours=23) <= second - first <= timedelta(hours=25)


def test_prune_forgets_drive_history_older_than_a_month_but_never_a_live_channel(
    store: Store, config
) -> None:  # type: ignore[no-untyped-def]
    from integration.drive.channels import register_channel

    old = utcnow() - timedelta(days=40)
    with store.session() as s:
        for cid, status, stopped in (
            ("live-old", "active", None),
            ("ended-old", "replaced", old),
            ("ended-new", "replaced", utcnow()),
        ):
            c = register_channel(s, channel_id=cid, partner="lv", token="t")
            c.status, c.stopped_at, c.created_at = status, stopped, old
        s.add(DriveChannelEvent(partner="lv", kind="renewed", at=old))
        s.add(DriveChannelEvent(partner="lv", kind="renewed"))
    assert prune_store(store).drive_history == 2
    with store.session() as s:
        assert sorted(s.scalars(select(DriveChannel.id)).all()) == ["ended-new", "live-old"]
        assert len(s.scalars(select(DriveChannelEvent)).all()) == 1
