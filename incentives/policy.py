"""The programs' parameters as ops edit them (Program.policy), with the defaults of DESIGN."""

from __future__ import annotations

DEFAULT_COLD_START_STAGES = (500, 500, 1000)  # I5: 2,000 coupons in three stages


def cold_start_stages(program) -> tuple[int, ...]:
    """I5: the coupons of each stage; a policy row that is not three positive integers falls
    back to the default (ops see the default in the admin until they fix it)."""
    stages = (program.policy or {}).get("stages")
    if (
        isinstance(stages, list)
        and len(stages) == 3
        and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in stages)
    ):
        return tuple(stages)
    return DEFAULT_COLD_START_STAGES


DEFAULT_BENCHMARK = {
    "pool_percent": 2,  # I7: the pool is 2% of the GMV target …
    "pool_min": 2000,  # … rounded down to 100, between 2,000 …
    "pool_max": 50000,  # … and 50,000 coupons
    "min_target_fen": 5_000_000,  # the GMV target is at least ¥50,000
}
TRANCHES = ((30, 20), (60, 30), (100, 50))  # I7: at (% of the target) grant (% of the pool)


def benchmark_policy(program) -> dict:
    policy = {**DEFAULT_BENCHMARK}
    for key, value in (program.policy or {}).items():
        if key in policy and isinstance(value, int) and not isinstance(value, bool) and value > 0:
            policy[key] = value
    return policy


def benchmark_pool(program, gmv_target_fen: int) -> int:
    """I7: the default pool R for a target: 2% of it in coupons (¥1 each), rounded down to 100,
    kept between the minimum and the maximum."""
    policy = benchmark_policy(program)
    pool = gmv_target_fen * policy["pool_percent"] // 100 // 100  # fen → yuan → coupons
    pool = pool // 100 * 100
    return max(policy["pool_min"], min(policy["pool_max"], pool))


def tranche_coupons(pool: int) -> list[int]:
    """I7: 20%, 30% and 50% of the pool; the last tranche takes what rounding leaves."""
    first = pool * TRANCHES[0][1] // 100
    second = pool * TRANCHES[1][1] // 100
    return [first, second, pool - first - second]
