"""D5: the e-mail copies of the inbox, sent by one beat job reading the inbox (issue 20: no
e-mail job per event inside a flow)."""

from __future__ import annotations

import pytest
from django.db import transaction

from parties.models import Notification
from parties.notifications import notify, pending_emails_send
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_committed_line_is_mailed_once_and_a_line_without_address_is_claimed(mailoutbox):
    """D5: two users told; the one with an address gets one e-mail, the one without none;
    both lines are claimed, and a second run sends nothing."""
    with_address = factories.UserFactory(email="a@example.com")
    without = factories.UserFactory(email="")
    notify([with_address, without], "provider_admitted", provider="云帆")
    assert pending_emails_send() == 1
    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    assert pending_emails_send() == 0 and len(mailoutbox) == 1
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_rolled_back_event_sends_nothing(mailoutbox):
    """D5: an inbox line that rolled back with its event is never e-mailed."""
    user = factories.UserFactory(email="b@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], "provider_admitted", provider="云帆")
        raise RuntimeError("the event failed")
    assert pending_emails_send() == 0 and mailoutbox == []


def test_the_job_is_on_beat_every_minute(settings):
    """D5: beat runs the e-mail job every minute; notifying enqueues no job."""
    entry = settings.CELERY_BEAT_SCHEDULE["send-pending-emails"]
    assert (entry["task"], entry["schedule"]) == ("marketplace.send_pending_emails", 60)


def test_batches_go_on_until_the_inbox_is_done(mailoutbox):
    """D5/D1: more lines than one batch are all sent, each once."""
    users = [factories.UserFactory(email=f"u{i}@example.com") for i in range(5)]
    notify(users, "provider_admitted", provider="云帆")
    assert pending_emails_send(batch=2) == 5 and len(mailoutbox) == 5
