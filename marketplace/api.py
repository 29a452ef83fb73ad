"""The platform data feed's one endpoint, composed on top of the apps it feeds (DESIGN §2):
`POST /api/v1/live-sessions/` carries Taobao Live sessions (G1, agencies) and 视频号 sessions
(I1, incentives) in one batch; each row goes to its app and the reports come back as one, in
the batch's row order. The 视频号 stages are evaluated by the worker after the batch committed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api import LIVE_SESSION_REPORT, LIVE_SESSION_ROW, CanIngestLiveSessions
from agencies.services import live_sessions_ingest
from core.exceptions import InvalidInput
from core.feeds import IngestReport, RowResult, check_batch
from incentives.jobs import evaluate_accounts
from incentives.services.lives import channels_sessions_ingest

PLATFORMS = ("taobao_live", "shipinhao")


def feed_ingest(rows: list) -> IngestReport:
    """Split a feed batch by platform, ingest each part in its app, merge the reports."""
    rows = check_batch(rows)
    parts: dict[str, list[tuple[int, dict]]] = {platform: [] for platform in PLATFORMS}
    results: list[RowResult] = []
    for number, raw in enumerate(rows, start=1):
        platform = str(raw.get("platform") or "taobao_live").strip()
        if platform not in parts:
            message = _("The platform is taobao_live or shipinhao.")
            key = str(raw.get("session_id") or "")
            results.append(RowResult(number, key, "refused", {"platform": [message]}))
            continue
        parts[platform].append((number, raw))
    accounts: list[int] = []
    for platform, numbered in parts.items():
        if not numbered:
            continue
        batch = [raw for _number, raw in numbered]
        if platform == "shipinhao":
            report, accounts = channels_sessions_ingest(rows=batch)
        else:
            report = live_sessions_ingest(rows=batch, source="api")
        for (number, _raw), result in zip(numbered, report.rows, strict=True):
            result.row = number
            results.append(result)
    if accounts:
        transaction.on_commit(lambda: evaluate_accounts.delay(live_account_ids=accounts))
    return IngestReport(rows=sorted(results, key=lambda r: r.row), key_name="session_id")


class LiveSessionFeedApi(APIView):
    """G1/I1: a batch of up to 1,000 live sessions of either platform. Idempotent on
    `session_id`: each row is answered as created, updated (corrected figures), unchanged or
    refused with its errors; refused rows write nothing and never stop the others."""

    permission_classes = [CanIngestLiveSessions]

    @extend_schema(
        request=inline_serializer("LiveSessionBatch", {"sessions": LIVE_SESSION_ROW}),
        responses=LIVE_SESSION_REPORT,
    )
    def post(self, request):
        rows = request.data.get("sessions") if isinstance(request.data, dict) else request.data
        if not isinstance(rows, list) or not rows:
            raise InvalidInput(
                _('Send {"sessions": [...]} with at least one session.'),
                fields={"sessions": [_("A non-empty list of sessions is required.")]},
            )
        return Response(feed_ingest(rows).as_dict(), status=status.HTTP_200_OK)


__all__ = ["LiveSessionFeedApi", "feed_ingest"]
