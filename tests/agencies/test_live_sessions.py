"""G1: live sessions from the platform data feed (API) and the admin's CSV import:
idempotent on the platform's session id, a clear error per refused row, the rest imported."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import LiveSession
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db

URL = "/api/v1/live-sessions/"


@pytest.fixture
def feed(db):
    """The platform feed's account: a user with “Can add live session”."""
    user = factories.UserFactory(username="platform-feed")
    user.user_permissions.add(Permission.objects.get(codename="add_livesession"))
    return user


def row(creator, session_id="S1", *, minutes=30, gmv="1280.50", refund="0", **overrides):
    values = {
        "session_id": session_id,
        "creator_id": creator.pk,
        "category": "beauty",
        "started_at": "2026-11-02T20:00:00+08:00",
        "ended_at": f"2026-11-02T{20 + minutes // 60:02d}:{minutes % 60:02d}:00+08:00",
        "gmv": gmv,
        "refund": refund,
    }
    values.update(overrides)
    return values


def post(user, rows):
    return client_for(user).post(URL, {"sessions": rows}, format="json")


def test_29_minutes_is_not_counted_30_minutes_is(feed):
    """G1: a session of 30 minutes or more counts as one session; 29 minutes does not."""
    creator = factories.CreatorFactory()
    response = post(feed, [row(creator, "S29", minutes=29), row(creator, "S30", minutes=30)])
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    counted = dict(LiveSession.objects.values_list("platform_session_id", "is_counted"))
    assert counted == {"S29": False, "S30": True}
    session = LiveSession.objects.get(platform_session_id="S30")
    assert (session.gmv_fen, session.duration_seconds, session.source) == (128_050, 1800, "api")


def test_the_same_batch_twice_changes_nothing(feed):
    """G1: idempotent on the platform's session id: the second time every row is unchanged."""
    creator = factories.CreatorFactory()
    rows = [row(creator, "A"), row(creator, "B")]
    assert post(feed, rows).json()["created"] == 2
    again = post(feed, rows).json()
    assert (again["created"], again["unchanged"], again["refused"]) == (0, 2, 0)
    assert LiveSession.objects.count() == 2


def test_a_corrected_row_updates_the_figures(feed):
    """G1: the platform sends a session again with the refunds that came later."""
    creator = factories.CreatorFactory()
    post(feed, [row(creator, "A", gmv="1000.00")])
    answer = post(feed, [row(creator, "A", gmv="1000.00", refund="200.00")]).json()
    assert answer["updated"] == 1
    assert LiveSession.objects.get().refund_fen == 20_000


def test_bad_rows_are_refused_one_by_one_and_the_rest_imported(feed):
    """G1: each refused row says which field is wrong; good rows in the same batch land."""
    creator = factories.CreatorFactory()
    other = factories.CreatorFactory()
    post(feed, [row(other, "TAKEN")])
    rows = [
        row(creator, "OK"),
        row(creator, "", category="nope"),
        row(creator, "NEG", gmv="-1"),
        row(creator, "FLOAT", gmv=12.5),
        row(creator, "BACK", ended_at="2026-11-02T19:00:00+08:00"),
        row(
            creator,
            "FUTURE",
            started_at="2099-01-01T20:00:00+08:00",
            ended_at="2099-01-01T21:00:00+08:00",
        ),
        row(creator, "REFUND", gmv="10.00", refund="10.01"),
        {**row(creator, "WHO"), "creator_id": 999_999},
        row(creator, "OK"),  # twice in one batch
        row(creator, "TAKEN"),  # another creator's session id
        row(creator, "TIME", started_at="yesterday"),
    ]
    answer = post(feed, rows).json()
    assert (answer["created"], answer["refused"]) == (1, 10)
    by_row = {r["row"]: r for r in answer["rows"]}
    assert by_row[1]["status"] == "created"
    assert set(by_row[2]["errors"]) == {"session_id", "category"}
    assert set(by_row[3]["errors"]) == {"gmv"}
    assert set(by_row[4]["errors"]) == {"gmv"}
    assert set(by_row[5]["errors"]) == {"ended_at"}
    assert set(by_row[6]["errors"]) == {"ended_at"}
    assert set(by_row[7]["errors"]) == {"refund"}
    assert set(by_row[8]["errors"]) == {"creator_id"}
    assert set(by_row[9]["errors"]) == {"session_id"}
    assert set(by_row[10]["errors"]) == {"creator_id"}
    assert set(by_row[11]["errors"]) == {"started_at"}
    assert LiveSession.objects.count() == 2  # TAKEN (the other creator's) and OK
    assert LiveSession.objects.get(platform_session_id="TAKEN").creator == other


def test_only_the_feed_account_may_send_sessions(feed):
    """G1, A3: a creator, a merchant or an anonymous caller cannot write live data."""
    creator = factories.CreatorFactory()
    before = row_counts(LiveSession)
    assert post(creator.user, [row(creator)]).status_code == 403
    assert post(factories.MerchantUserFactory(), [row(creator)]).status_code == 403
    from rest_framework.test import APIClient

    anonymous = APIClient().post(URL, {"sessions": [row(creator)]}, format="json")
    assert anonymous.status_code in (401, 403)
    assert row_counts(LiveSession) == before


def test_the_feed_authenticates_with_a_token(feed):
    """G1: the feed is a program: it takes a token and sends `Authorization: Token …`."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=feed).key}")
    creator = factories.CreatorFactory()
    response = client.post(URL, {"sessions": [row(creator)]}, format="json")
    assert response.status_code == 200 and response.json()["created"] == 1


def test_malformed_batches_are_400_and_write_nothing(feed):
    """G1: not a list, an empty list, a row that is not an object, or over 1,000 rows."""
    creator = factories.CreatorFactory()
    for body in (
        {"sessions": "x"},
        {"sessions": []},
        {"sessions": [1]},
        {"sessions": [row(creator, f"S{i}") for i in range(1001)]},
    ):
        response = client_for(feed).post(URL, body, format="json")
        assert response.status_code == 400, body if len(str(body)) < 80 else "1001 rows"
        assert "error" in response.json()
    assert LiveSession.objects.count() == 0


CSV = (
    "session_id,creator_id,category,started_at,ended_at,gmv,refund\n"
    "C1,{c},beauty,2026-11-02T20:00:00+08:00,2026-11-02T21:00:00+08:00,100.00,0\n"
    "C2,{c},beauty,2026-11-02T20:00:00+08:00,2026-11-02T20:29:00+08:00,50.00,\n"
    "C3,{c},unknown,2026-11-02T20:00:00+08:00,2026-11-02T21:00:00+08:00,50.00,0\n"
    "C4,{c},food,2026-11-03 20:00,2026-11-03 21:00,1.5,0\n"
)


def test_admin_csv_import_reports_each_refused_row_and_imports_the_rest(admin_client):
    """G1: the admin's CSV import: refused rows listed with their line and reason, good rows
    imported, and importing the same file again imports nothing twice."""
    creator = factories.CreatorFactory()
    url = "/admin/agencies/livesession/import/"
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("s.csv", CSV.format(c=creator.pk).encode("utf-8-sig"))
    page = admin_client.post(url, {"file": upload}).content.decode()
    assert LiveSession.objects.count() == 3
    assert "unknown" in page and ">4<" in page  # CSV line 4 refused, with the bad code
    counted = dict(LiveSession.objects.values_list("platform_session_id", "is_counted"))
    assert counted == {"C1": True, "C2": False, "C4": True}
    # Times without an offset are Beijing time.
    c4 = LiveSession.objects.get(platform_session_id="C4")
    assert c4.started_at.isoformat() == "2026-11-03T12:00:00+00:00"
    upload = SimpleUploadedFile("s.csv", CSV.format(c=creator.pk).encode())
    admin_client.post(url, {"file": upload})
    assert LiveSession.objects.count() == 3
    changelist = admin_client.get("/admin/agencies/livesession/")
    assert changelist.status_code == 200 and "import/" in changelist.content.decode()


def test_admin_csv_import_refuses_a_file_without_the_header(admin_client):
    """G1: a CSV without the expected columns is refused as a whole, with the columns named."""
    upload = SimpleUploadedFile("s.csv", b"a,b\n1,2\n")
    page = admin_client.post("/admin/agencies/livesession/import/", {"file": upload})
    assert "session_id" in page.content.decode()
    assert LiveSession.objects.count() == 0


def test_odd_digits_and_ancient_times_are_refused_per_row(feed):
    """G1: superscript or Arabic-Indic digits, a year-1 session: refused rows, not a 500."""
    creator = factories.CreatorFactory()
    rows = [
        {**row(creator, "A"), "creator_id": "²"},
        row(creator, "B", gmv="١٢٣"),
        row(
            creator,
            "C",
            started_at="0001-01-01T00:00:00+08:00",
            ended_at="0001-01-01T01:00:00+08:00",
        ),
        row(creator, "D"),
    ]
    answer = post(feed, rows)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["created"], body["refused"]) == (1, 3)
    assert [set(r["errors"]) for r in body["rows"][:3]] == [
        {"creator_id"},
        {"gmv"},
        {"started_at", "ended_at"},
    ]
