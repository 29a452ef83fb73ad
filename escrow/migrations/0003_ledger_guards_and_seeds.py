"""What the database enforces by itself (PostgreSQL), and the rows every installation needs.

- A journal transaction whose entries do not sum to zero, or that has fewer than two entries,
  is refused at commit (deferrable constraint triggers): raw SQL cannot unbalance the ledger.
- Entries and journal transactions cannot be updated or deleted (triggers). TRUNCATE is left
  alone: it is what test databases use to empty themselves between tests.
- The platform's accounts and the default fee policies (E10) exist from the start.
"""

from django.db import migrations

from core.migration_ops import postgres_sql

GUARDS = """
CREATE OR REPLACE FUNCTION escrow_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
  txn_id bigint;
  total numeric;
  lines integer;
BEGIN
  IF TG_TABLE_NAME = 'escrow_entry' THEN
    txn_id := NEW.transaction_id;
  ELSE
    txn_id := NEW.id;
  END IF;
  SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) INTO total, lines
    FROM escrow_entry WHERE transaction_id = txn_id;
  IF total <> 0 OR lines < 2 THEN
    RAISE EXCEPTION 'journal transaction % is unbalanced: % entries summing to % fen',
      txn_id, lines, total USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER escrow_entry_balanced
  AFTER INSERT ON escrow_entry DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION escrow_check_transaction_balanced();

CREATE CONSTRAINT TRIGGER escrow_transaction_has_entries
  AFTER INSERT ON escrow_journaltransaction DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION escrow_check_transaction_balanced();

CREATE OR REPLACE FUNCTION escrow_forbid_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER escrow_entry_append_only
  BEFORE UPDATE OR DELETE ON escrow_entry
  FOR EACH ROW EXECUTE FUNCTION escrow_forbid_change();

CREATE TRIGGER escrow_transaction_append_only
  BEFORE UPDATE OR DELETE ON escrow_journaltransaction
  FOR EACH ROW EXECUTE FUNCTION escrow_forbid_change();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS escrow_transaction_append_only ON escrow_journaltransaction;
DROP TRIGGER IF EXISTS escrow_entry_append_only ON escrow_entry;
DROP FUNCTION IF EXISTS escrow_forbid_change();
DROP TRIGGER IF EXISTS escrow_transaction_has_entries ON escrow_journaltransaction;
DROP TRIGGER IF EXISTS escrow_entry_balanced ON escrow_entry;
DROP FUNCTION IF EXISTS escrow_check_transaction_balanced();
"""

DEFAULT_FEE_RATES_BP = {
    "private": 0,
    "plaza": 0,
    "recruitment": 0,
    "brand": 0,
    "deposit": 1000,
}


def seed(apps, schema_editor):
    Account = apps.get_model("escrow", "Account")
    FeePolicy = apps.get_model("escrow", "FeePolicy")
    for kind in ("platform_fees", "payouts_in_flight", "gateway_clearing"):
        Account.objects.get_or_create(kind=kind, shop=None, creator=None, order=None)
    for order_kind, rate_bp in DEFAULT_FEE_RATES_BP.items():
        FeePolicy.objects.get_or_create(order_kind=order_kind, defaults={"rate_bp": rate_bp})


class Migration(migrations.Migration):
    dependencies = [("escrow", "0002_initial")]
    operations = [
        postgres_sql(GUARDS, UNGUARD),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
