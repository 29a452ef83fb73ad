"""What the database enforces for the coupon book (PostgreSQL), and the three programs.

- A coupon transaction whose entries do not sum to zero, or that has fewer than two entries,
  is refused at commit (deferrable constraint triggers), as for the money ledger (E2).
- Entries and transactions cannot be updated or deleted (triggers).
- The programs with the default budgets of I4, the default cold-start, benchmark and coupon
  policy of I5, I7 and I8, and the growth tiers of I6 as editable rows.
"""

from django.db import migrations

from core.migration_ops import postgres_sql

GUARDS = """
CREATE OR REPLACE FUNCTION incentives_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
  txn_id bigint;
  total numeric;
  lines integer;
BEGIN
  IF TG_TABLE_NAME = 'incentives_couponentry' THEN
    txn_id := NEW.transaction_id;
  ELSE
    txn_id := NEW.id;
  END IF;
  SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, lines
    FROM incentives_couponentry WHERE transaction_id = txn_id;
  IF total <> 0 OR lines < 2 THEN
    RAISE EXCEPTION 'coupon transaction % is unbalanced: % entries summing to %',
      txn_id, lines, total USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER incentives_entry_balanced
  AFTER INSERT ON incentives_couponentry DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION incentives_check_transaction_balanced();

CREATE CONSTRAINT TRIGGER incentives_transaction_has_entries
  AFTER INSERT ON incentives_coupontransaction DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION incentives_check_transaction_balanced();

CREATE OR REPLACE FUNCTION incentives_forbid_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the coupon book is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER incentives_entry_append_only
  BEFORE UPDATE OR DELETE ON incentives_couponentry
  FOR EACH ROW EXECUTE FUNCTION incentives_forbid_change();

CREATE TRIGGER incentives_transaction_append_only
  BEFORE UPDATE OR DELETE ON incentives_coupontransaction
  FOR EACH ROW EXECUTE FUNCTION incentives_forbid_change();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS incentives_transaction_append_only ON incentives_coupontransaction;
DROP TRIGGER IF EXISTS incentives_entry_append_only ON incentives_couponentry;
DROP FUNCTION IF EXISTS incentives_forbid_change();
DROP TRIGGER IF EXISTS incentives_transaction_has_entries ON incentives_coupontransaction;
DROP TRIGGER IF EXISTS incentives_entry_balanced ON incentives_couponentry;
DROP FUNCTION IF EXISTS incentives_check_transaction_balanced();
"""

PROGRAMS = {
    # I4: the default monthly budgets; I5, I7: the default policies.
    "cold_start": (200_000, {"stages": [500, 500, 1000]}),
    "growth": (1_000_000, {}),
    "benchmark": (
        500_000,
        {"pool_percent": 2, "pool_min": 2000, "pool_max": 50000, "min_target_fen": 5_000_000},
    ),
}
TIERS = [  # I6: (kind, threshold, coupons); GMV thresholds in fen
    ("activity", 8, 300),
    ("gmv", 1_000_000, 500),
    ("gmv", 5_000_000, 1500),
    ("gmv", 20_000_000, 4000),
    ("gmv", 100_000_000, 12000),
]


def seed(apps, schema_editor):
    Program = apps.get_model("incentives", "Program")
    GrowthTier = apps.get_model("incentives", "GrowthTier")
    CouponAccount = apps.get_model("incentives", "CouponAccount")
    for code, (budget, policy) in PROGRAMS.items():
        Program.objects.get_or_create(
            code=code, defaults={"monthly_budget": budget, "policy": policy}
        )
    growth = Program.objects.get(code="growth")
    for kind, threshold, coupons in TIERS:
        GrowthTier.objects.get_or_create(
            program=growth, kind=kind, threshold=threshold, defaults={"coupons": coupons}
        )
    for kind in ("spent", "expired", "void"):
        CouponAccount.objects.get_or_create(kind=kind, program_month=None, live_account=None)


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]
    operations = [
        postgres_sql(GUARDS, UNGUARD),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
