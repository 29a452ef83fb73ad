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
