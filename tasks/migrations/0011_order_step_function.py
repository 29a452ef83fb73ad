"""tasks_order_step: every row of one order step in one round trip (PostgreSQL only; issue 20).

An order step (tasks.services.steps) is what one user action writes once the service has locked
the order, checked the actor, the state and the due time, and run the FSM transition in Python:
the order's changed columns, its state-log row (T70), at most one journal transaction (through
escrow_post, escrow migration 0005), the inbox lines (D5) and, for a confirm, the review and
the creator's running rating sums (C1); it answers the ids of the users it wrote inbox lines
for (`notified`: their navigation's cached unread count is forgotten). The function writes them
in that order — the money
first, so a refusal (not enough in the wallet, E3; an escrow not holding the price, E4) returns
before anything else is written, and the caller rolls back.

Locks, in the fixed order of tasks/locks.py: the caller already holds the order's; escrow_post
locks the accounts by primary key; the creator profile is locked last by its UPDATE.

The order's UPDATE keeps the guard of django-fsm's ConcurrentTransitionMixin: it matches the
state the transition started from, and anything else raises (never under the caller's lock).

SQLite (`make run`) has no such function: the same steps run through the ORM, and
tests/tasks/test_order_steps.py runs both paths on PostgreSQL and compares every row written.
This migration also fills the new rating sums from the reviews written so far.
"""

from django.db import migrations

from core.migration_ops import postgres_sql

FUNCTION = """
CREATE OR REPLACE FUNCTION tasks_order_step(
  p_order bigint, p_source text, p_set jsonb, p_log jsonb, p_move jsonb, p_notices jsonb,
  p_review jsonb
) RETURNS jsonb AS $$
DECLARE
  v_result jsonb := '{}';
  v_columns text;
  v_rows integer;
  v_notice jsonb;
  v_told bigint[];
  v_notified bigint[] := '{}';
BEGIN
  IF p_move IS NOT NULL THEN
    v_result := escrow_post(p_move);
    IF NOT v_result ? 'transaction' THEN
      RETURN v_result;
    END IF;
  END IF;

  SELECT string_agg(format('%I = r.%I', column_name, column_name), ', ')
    INTO v_columns FROM jsonb_object_keys(p_set) AS column_name;
  EXECUTE format(
    'UPDATE tasks_order o SET %s FROM jsonb_populate_record(NULL::tasks_order, $1) r '
    'WHERE o.id = $2 AND o.status = $3', v_columns
  ) USING p_set, p_order, p_source;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  IF v_rows <> 1 THEN
    RAISE EXCEPTION 'order % is no longer %', p_order, p_source
      USING ERRCODE = 'serialization_failure';
  END IF;

  INSERT INTO django_fsm_log_statelog
    (timestamp, by_id, source_state, state, transition, content_type_id, object_id, description)
    VALUES (
      (p_log->>'timestamp')::timestamptz, (p_log->>'by')::integer, p_log->>'source_state',
      p_log->>'state', p_log->>'transition', (p_log->>'content_type')::integer, p_order,
      p_log->>'description'
    );

  FOR v_notice IN SELECT value FROM jsonb_array_elements(p_notices) LOOP
    WITH written AS (
      INSERT INTO marketplace_notification
        (user_id, kind, params, order_id, task_id, read_at, emailed_at, created_at)
        SELECT recipient, v_notice->>'kind', v_notice->'params', (v_notice->>'order')::bigint,
               (v_notice->>'task')::bigint, NULL, NULL, (v_notice->>'at')::timestamptz
          FROM (
            SELECT value::bigint AS recipient
              FROM jsonb_array_elements_text(v_notice->'users')
            UNION
            SELECT m.user_id FROM marketplace_membership m
              WHERE m.organization_id IN (
                SELECT value::bigint FROM jsonb_array_elements_text(v_notice->'organizations')
              )
          ) recipients
          ORDER BY recipient
        RETURNING user_id
    )
    SELECT coalesce(array_agg(user_id), '{}') INTO v_told FROM written;
    v_notified := v_notified || v_told;
  END LOOP;

  IF p_review IS NOT NULL THEN
    INSERT INTO tasks_review (order_id, rating, comment, created_by_id, created_at)
      VALUES (
        p_order, (p_review->>'rating')::smallint, p_review->>'comment',
        (p_review->>'by')::bigint, (p_review->>'at')::timestamptz
      );
    UPDATE marketplace_creatorprofile
      SET rating_total = rating_total + (p_review->>'rating')::integer,
          rating_count = rating_count + 1,
          rating = round(
            (rating_total + (p_review->>'rating')::integer)::numeric / (rating_count + 1), 2
          )
      WHERE id = (p_review->>'creator')::bigint;
  END IF;
  RETURN v_result || jsonb_build_object('notified', to_jsonb(v_notified));
END
$$ LANGUAGE plpgsql;
"""

DROP = "DROP FUNCTION IF EXISTS tasks_order_step(bigint, text, jsonb, jsonb, jsonb, jsonb, jsonb);"


def fill_rating_totals(apps, schema_editor):
    """rating_total = the sum of each creator's review ratings (C1), for the reviews so far."""
    from django.db.models import Sum

    CreatorProfile = apps.get_model("marketplace", "CreatorProfile")
    Review = apps.get_model("tasks", "Review")
    sums = Review.objects.values("order__creator_id").annotate(total=Sum("rating"))
    for row in sums.iterator():
        CreatorProfile.objects.filter(pk=row["order__creator_id"]).update(rating_total=row["total"])


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0010_proposal_agency_moved"),
        ("escrow", "0005_escrow_post_function"),
        ("marketplace", "0012_creator_rating_total"),
        ("django_fsm_log", "__first__"),
    ]
    operations = [
        postgres_sql(FUNCTION, DROP),
        migrations.RunPython(fill_rating_totals, migrations.RunPython.noop),
    ]
