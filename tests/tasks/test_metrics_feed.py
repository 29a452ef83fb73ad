"""F1: content metrics per delivered order and day from the platform's data feed (API,
token-authenticated) and the admin's CSV import: idempotent per order and day, a clear error
per refused row, the rest stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks.models import ContentMetric
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db

URL = "/api/v1/content-metrics/"


@pytest.fixture
def feed(db):
    user = factories.UserFactory(username="metrics-feed")
    user.user_permissions.add(Permission.objects.get(codename="add_contentmetric"))
    return user


def delivered(days_ago: int = 3):
    return factories.OrderFactory(
        status="delivered", delivered_at=timezone.now() - timedelta(days=days_ago)
    )


def row(order, day=None, **overrides):
    day = day or timezone.localdate() - timedelta(days=1)
    values = {
        "order_id": order.pk,
        "date": day.isoformat(),
        "views": 12000,
        "likes": 830,
        "comments": 41,
        "shares": 17,
        "clicks": 950,
        "gmv": "3280.50",
    }
    values.update(overrides)
    return values


def post(user, rows):
    return client_for(user).post(URL, {"metrics": rows}, format="json")


def test_a_day_of_figures_is_stored_and_the_same_batch_again_changes_nothing(feed):
    """F1: idempotent per order and day."""
    order = delivered()
    first = post(feed, [row(order)])
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1
    metric = ContentMetric.objects.get()
    assert (metric.views, metric.gmv_fen) == (12000, 328_050)
    again = post(feed, [row(order)]).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    revised = post(feed, [row(order, views=12500)]).json()
    assert revised["updated"] == 1
    assert ContentMetric.objects.get().views == 12500


def test_bad_rows_are_refused_one_by_one_and_the_rest_stored(feed):
    """F1: per-row errors: unknown or undelivered order, bad or future day, a day before the
    delivery, negative or non-integer counts, bad money, a day twice in one batch."""
    order = delivered(days_ago=3)
    not_delivered = factories.OrderFactory(status="in_production")
    today = timezone.localdate()
    rows = [
        row(order),
        row(not_delivered),
        {**row(order, today - timedelta(days=2)), "order_id": 999_999},
        row(order, date="yesterday"),
        row(order, today + timedelta(days=1)),
        row(order, today - timedelta(days=10)),
        row(order, today - timedelta(days=2), views=-1),
        row(order, today - timedelta(days=2), likes=1.5),
        row(order, today - timedelta(days=2), gmv="1.005"),
        row(order),  # the same day twice
    ]
    answer = post(feed, rows).json()
    assert (answer["created"], answer["refused"]) == (1, 9)
    fields = [set(r["errors"]) for r in answer["rows"]]
    assert fields == [
        set(),
        {"order_id"},
        {"order_id"},
        {"date"},
        {"date"},
        {"date"},
        {"views"},
        {"likes"},
        {"gmv"},
        {"date"},
    ]
    assert ContentMetric.objects.count() == 1


def test_only_the_feed_account_writes_metrics(feed):
    """F1, A3: a merchant, a creator or nobody cannot write figures; the feed uses a token."""
    order = delivered()
    before = row_counts(ContentMetric)
    for user in (order.shop.owner, order.creator.user):
        assert post(user, [row(order)]).status_code == 403
    assert APIClient().post(URL, {"metrics": [row(order)]}, format="json").status_code in (401, 403)
    assert row_counts(ContentMetric) == before
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=feed).key}")
    assert client.post(URL, {"metrics": [row(order)]}, format="json").json()["created"] == 1


def test_malformed_batches_are_400(feed):
    """F1: not a list, empty, a row that is not an object, over 1,000 rows: 400, nothing."""
    order = delivered()
    for body in (
        {"metrics": "x"},
        {"metrics": []},
        {"metrics": [3]},
        {"metrics": [row(order)] * 1001},
    ):
        assert client_for(feed).post(URL, body, format="json").status_code == 400
    assert ContentMetric.objects.count() == 0


def test_admin_csv_import(admin_client):
    """F1: the admin's CSV import lists refused rows with their line, imports the rest, and
    importing the file again imports nothing twice."""
    order = delivered()
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    csv = (
        "order_id,date,views,likes,comments,shares,clicks,gmv\n"
        f"{order.pk},{day},100,10,1,1,5,99.90\n"
        f"{order.pk},not-a-day,100,10,1,1,5,99.90\n"
    )
    url = "/admin/tasks/contentmetric/import/"
    assert admin_client.get(url).status_code == 200
    page = admin_client.post(url, {"file": SimpleUploadedFile("m.csv", csv.encode())})
    assert ">3<" in page.content.decode()  # CSV line 3 refused
    assert ContentMetric.objects.count() == 1
    admin_client.post(url, {"file": SimpleUploadedFile("m.csv", csv.encode())})
    assert ContentMetric.objects.count() == 1
    listing = admin_client.get("/admin/tasks/contentmetric/").content.decode()
    assert "import/" in listing


def test_odd_digits_and_a_corrupt_csv_are_refused_not_500(feed, admin_client):
    """F1: a count of "²" is a per-row error; an unreadable CSV is refused as a whole."""
    order = delivered()
    answer = post(feed, [row(order, views="²"), {**row(order), "order_id": "١"}])
    assert answer.status_code == 200
    assert answer.json()["refused"] == 2
    huge = "order_id,date,views,likes,comments,shares,clicks,gmv\n" + '"' + "x" * 200_000 + '"\n'
    page = admin_client.post(
        "/admin/tasks/contentmetric/import/", {"file": SimpleUploadedFile("m.csv", huge.encode())}
    )
    assert page.status_code == 200
    assert ContentMetric.objects.count() == 0
