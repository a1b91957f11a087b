"""When an active sync run counts as stale (``sync_run_stale_reason``) and what takes it over:
the next request for its stream, and the dashboard's live status (defects issue §1)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import SyncRun, SyncStatus
from integrations.services.run_owner import Owner, current_owner, owner_gone
from integrations.services.sync import request_sync, sync_run_stale_reason
from tests.dashboard.builders import logged_in
from tests.factories import ChannelAccountFactory


@pytest.fixture
def account(merchant):
    return ChannelAccountFactory(merchant=merchant)


def dead_owner() -> str:
    """The owner string of a process of this host that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    process.wait()
    return f"{current_owner().host}:{process.pid}:1.00"


def running(account, **fields) -> SyncRun:
    now = timezone.now()
    values = {
        "status": SyncStatus.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "owner": str(current_owner()),
        **fields,
    }
    return SyncRun.objects.create(account=account, stream="orders", **values)


def test_a_run_of_a_live_process_with_a_fresh_heartbeat_is_not_stale(account):
    run = running(account)
    assert sync_run_stale_reason(run) == ""
    (again,) = request_sync(account=account, streams=["orders"])
    assert again.pk == run.pk  # asking again waits for it


def test_a_run_whose_process_exited_is_stale_at_once_whatever_its_heartbeat(account):
    run = running(account, owner=dead_owner())
    assert "has exited" in sync_run_stale_reason(run)


def test_a_reused_pid_is_not_the_runs_owner(account):
    """Same pid, another start time: the owner is gone and the pid went to someone else."""
    me = current_owner()
    run = running(account, owner=str(Owner(me.host, me.pid, me.started - 3600)))
    assert "pid was reused" in sync_run_stale_reason(run)


def test_a_run_owned_on_another_host_is_judged_by_its_heartbeat(account, settings):
    settings.SYNC_STALE_AFTER_SECONDS = 60
    elsewhere = "worker-7.internal:4242:1700000000.00"
    assert owner_gone(elsewhere) == ""
    fresh = running(account, owner=elsewhere)
    assert sync_run_stale_reason(fresh) == ""
    fresh.heartbeat_at = timezone.now() - timedelta(seconds=61)
    assert sync_run_stale_reason(fresh) == "no heartbeat for 61 s"


def test_a_silent_run_is_interrupted_and_the_next_request_gets_a_new_run(
    account, django_capture_on_commit_callbacks
):
    run = running(account, heartbeat_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=False):
        (new,) = request_sync(account=account, streams=["orders"])
    assert new.pk != run.pk
    run.refresh_from_db()
    assert run.status == SyncStatus.INTERRUPTED
    assert run.error == (
        "Stopped: no heartbeat for 300 s. The next run resumes from its checkpoint."
    )
    assert new.owner == str(current_owner())  # eager: this process will execute it


def test_a_run_queued_too_long_is_taken_over(account, settings):
    settings.SYNC_QUEUED_STALE_SECONDS = 900
    run = SyncRun.objects.create(account=account, stream="orders", status=SyncStatus.QUEUED)
    assert sync_run_stale_reason(run) == ""
    SyncRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - timedelta(seconds=901))
    run.refresh_from_db()
    assert sync_run_stale_reason(run).startswith("queued 901 s ago")


def test_a_finished_run_is_never_stale(account):
    run = running(account, status=SyncStatus.SUCCEEDED, owner=dead_owner())
    assert sync_run_stale_reason(run) == ""


def test_the_owner_string_round_trips():
    me = current_owner()
    assert me.pid == os.getpid()
    assert Owner.parse(str(me)) == Owner(me.host, me.pid, round(me.started, 2))
    assert Owner.parse("") is None
    assert Owner.parse("garbage") is None


# --- the dashboard's live status ------------------------------------------------------------------
@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_the_hub_status_takes_over_a_run_whose_process_exited(
    account, merchant, role, django_capture_on_commit_callbacks
):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    member = MembershipFactory(merchant=merchant, role=Role.OWNER if role == "owner" else "viewer")
    run = running(account, owner=dead_owner(), pages=4)
    url = reverse("dashboard:account_status", args=[account.pk])
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in(member.user).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    run.refresh_from_db()
    if role == "owner":
        new = SyncRun.objects.exclude(pk=run.pk).get()
        assert run.status == SyncStatus.INTERRUPTED
        assert f"run #{new.pk} resumes it from its checkpoint (page 4)" in text
    else:
        assert run.status == SyncStatus.RUNNING  # a viewer cannot start work
        assert "it resumes on the next sync" in text
