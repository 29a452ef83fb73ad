"""escrow_post: one journal transaction posted inside the database (PostgreSQL only).

The same posting as escrow.services.move_money, for the money steps that write all their rows in
one round trip (tasks.services.steps, issue 20). It takes the move as JSON
(escrow.services.MoneyMove.as_json): accounts named by what they belong to, read or created
here; nets the lines per account; locks the accounts in primary-key order; refuses — before
writing anything — a line that would take an account other than the gateway clearing account
below zero (E3), or a release whose first account does not hold `expect_first` (E4); then writes
the transaction, its entries with their running balances, and the new balances. The
append-only and balanced-transaction triggers of 0003 hold for these rows as for any other.

Returns {"transaction": id}, or the refusal: {"short_kind", "balance", "needed"} or
{"held", "needed"}; escrow.services.refusal_of turns it into the same exception the Python path
raises. A refusal writes nothing but a missing account, which the caller's rollback removes.
SQLite (`make run`) has no such function and posts through the ORM.
"""

from django.db import migrations

from core.migration_ops import postgres_sql

FUNCTIONS = """
CREATE OR REPLACE FUNCTION escrow_account_id(
  p_kind text, p_shop bigint, p_creator bigint, p_order bigint, p_at timestamptz
) RETURNS bigint AS $$
DECLARE
  v_id bigint;
BEGIN
  FOR attempt IN 1..2 LOOP
    IF p_kind = 'merchant_wallet' THEN
      SELECT id INTO v_id FROM escrow_account WHERE kind = p_kind AND shop_id = p_shop;
    ELSIF p_kind = 'order_escrow' THEN
      SELECT id INTO v_id FROM escrow_account WHERE kind = p_kind AND order_id = p_order;
    ELSIF p_kind = 'creator_earnings' THEN
      SELECT id INTO v_id FROM escrow_account WHERE kind = p_kind AND creator_id = p_creator;
    ELSE
      SELECT id INTO v_id FROM escrow_account WHERE kind = p_kind;
    END IF;
    IF v_id IS NOT NULL THEN
      RETURN v_id;
    END IF;
    -- created here unless another transaction creates it first (then read it again)
    INSERT INTO escrow_account (kind, shop_id, creator_id, order_id, balance_fen, created_at)
      VALUES (p_kind, p_shop, p_creator, p_order, 0, p_at)
      ON CONFLICT DO NOTHING
      RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
      RETURN v_id;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'no % account could be read or created', p_kind;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION escrow_post(p_move jsonb) RETURNS jsonb AS $$
DECLARE
  v_at timestamptz := (p_move->>'at')::timestamptz;
  v_line jsonb;
  v_ids bigint[] := '{}';
  v_amounts bigint[] := '{}';
  v_net_ids bigint[];
  v_net_amounts bigint[];
  v_first bigint;
  v_held bigint;
  v_short record;
  v_txn bigint;
BEGIN
  FOR v_line IN SELECT value FROM jsonb_array_elements(p_move->'lines') LOOP
    v_ids := v_ids || escrow_account_id(
      v_line->>'kind', (v_line->>'shop')::bigint, (v_line->>'creator')::bigint,
      (v_line->>'order')::bigint, v_at
    );
    v_amounts := v_amounts || (v_line->>'amount')::bigint;
  END LOOP;
  v_first := v_ids[1];

  SELECT array_agg(id ORDER BY id), array_agg(amount ORDER BY id)
    INTO v_net_ids, v_net_amounts
    FROM (
      SELECT id, sum(amount)::bigint AS amount
        FROM unnest(v_ids, v_amounts) AS line(id, amount)
        GROUP BY id HAVING sum(amount) <> 0
    ) nets;
  IF coalesce(array_length(v_net_ids, 1), 0) < 2
     OR (SELECT sum(amount) FROM unnest(v_net_amounts) AS amount) <> 0 THEN
    RAISE EXCEPTION 'unbalanced posting: % %', v_net_ids, v_net_amounts
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;

  -- the fixed lock order: accounts by primary key (the caller holds the order's lock)
  PERFORM 1 FROM escrow_account WHERE id = ANY (v_ids) ORDER BY id FOR UPDATE;

  IF p_move->>'expect_first' IS NOT NULL THEN
    SELECT balance_fen INTO v_held FROM escrow_account WHERE id = v_first;
    IF v_held <> (p_move->>'expect_first')::bigint THEN
      RETURN jsonb_build_object('held', v_held, 'needed', (p_move->>'expect_first')::bigint);
    END IF;
  END IF;

  SELECT a.kind, a.balance_fen, net.amount INTO v_short
    FROM unnest(v_net_ids, v_net_amounts) AS net(id, amount)
    JOIN escrow_account a ON a.id = net.id
    WHERE a.balance_fen + net.amount < 0 AND a.kind <> 'gateway_clearing'
    ORDER BY a.id LIMIT 1;
  IF FOUND THEN
    RETURN jsonb_build_object(
      'short_kind', v_short.kind, 'balance', v_short.balance_fen, 'needed', -v_short.amount
    );
  END IF;

  INSERT INTO escrow_journaltransaction (kind, order_id, memo, created_by_id, created_at)
    VALUES (
      p_move->>'kind', (p_move->>'order')::bigint, coalesce(p_move->>'memo', ''),
      (p_move->>'by')::bigint, v_at
    )
    RETURNING id INTO v_txn;
  INSERT INTO escrow_entry (transaction_id, account_id, amount_fen, balance_after_fen, created_at)
    SELECT v_txn, a.id, net.amount, a.balance_fen + net.amount, v_at
      FROM unnest(v_net_ids, v_net_amounts) AS net(id, amount)
      JOIN escrow_account a ON a.id = net.id
      ORDER BY a.id;
  UPDATE escrow_account a SET balance_fen = a.balance_fen + net.amount
    FROM unnest(v_net_ids, v_net_amounts) AS net(id, amount)
    WHERE a.id = net.id;
  RETURN jsonb_build_object('transaction', v_txn);
END
$$ LANGUAGE plpgsql;
"""

DROP = """
DROP FUNCTION IF EXISTS escrow_post(jsonb);
DROP FUNCTION IF EXISTS escrow_account_id(text, bigint, bigint, bigint, timestamptz);
"""


class Migration(migrations.Migration):
    dependencies = [("escrow", "0004_ops_permissions")]
    operations = [postgres_sql(FUNCTIONS, DROP)]
