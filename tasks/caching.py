"""The plaza cache's generation (issue 20, B1/B4): one number in Django's cache.

The public part of a plaza page (tasks.selectors.TaskListing) is cached under a key that
carries the generation; bumping it makes every cached page stale at once, and the stale
entries expire on their own within PLAZA_CACHE_SECONDS. The services that add a task to a
plaza or take one out of it — a task published, closed or cancelled, its enrollment
stopped, its slots filled — call `plaza_changed()` inside their transaction; the bump that
counts runs after the commit (transaction.on_commit), so no reader keeps, under the newest
generation, a page read before the change was visible.

Neither a selector nor a service by itself: both read it, so it sits beside them.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "plaza:generation"


def plaza_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # First reader after a cache flush: start at 1 (add does not overwrite a racing bump).
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY) or 1
    return generation


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (flushed or evicted): any new number will do
        cache.add(GENERATION_KEY, 2, timeout=None)


def plaza_changed() -> None:
    """A task entered or left a plaza's public part: cached pages are stale.

    Bumped twice: now, so that the writing transaction itself (and a test's, which never
    commits) reads its change at once; and after the commit, which is the bump other readers
    rely on — one that cached the old rows between the first bump and the commit cached them
    under a generation the commit leaves behind."""
    _bump()
    transaction.on_commit(_bump)
