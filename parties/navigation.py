"""The navigation's per-user facts (the unread count, the agency and provider links), kept in
Django's cache for NAVIGATION_CACHE_SECONDS (issue 20): every page renders them, and they are
two queries of their own.

A user never waits out the cache for something it did itself: what changes the facts —
a notice read, a membership it gained, and a notice written for it — forgets the user's
entry (`navigation_changed`), again after the commit for the user's own acts. The entry is
keyed by the user's id; the tests clear the cache between tests, where SQLite hands the same
ids out again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction


def navigation_key(user_id: int) -> str:
    return f"nav:{user_id}"


def navigation_changed(user_ids: Iterable[int], *, after_commit: bool = True) -> None:
    """Forget these users' navigation facts now (the writing transaction reads its change)
    and, for what the user did itself, again once it commits (a page read in between cached
    the old facts). A notice written for someone else is forgotten now only: at worst its
    badge shows NAVIGATION_CACHE_SECONDS late, and the flow that wrote it leaves nothing for
    after its commit."""
    keys = [navigation_key(user_id) for user_id in set(user_ids) if user_id is not None]
    if keys:
        cache.delete_many(keys)
        if after_commit:
            transaction.on_commit(lambda: cache.delete_many(keys))
