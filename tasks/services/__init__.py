"""Use cases of tasks and orders: one function per action (STYLE: services).

Split by subject: tasks (post, cancel, close, enrollment), applications (plaza and
recruitment, the plaza payment), proposals (brand tasks), orders (payment, answer, delivery,
confirmation, disputes, messages). Everything is importable from here.
"""

from .applications import (
    application_approve,
    application_create,
    application_reject,
    application_withdraw,
    plaza_task_pay,
)
from .disputes import dispute_resolve, order_dispute, order_message_post
from .metrics import content_metrics_import_csv, content_metrics_ingest
from .orders import (
    balances_pay,
    order_accept,
    order_auto_confirm,
    order_cancel,
    order_confirm,
    order_create,
    order_decline,
    order_deliver,
    order_expire,
    order_forfeit,
    order_mark_overdue,
    order_pay,
    order_pay_balance,
    order_request_revision,
    order_restore_price,
    orders_mark_overdue,
)
from .proposals import proposal_accept, proposal_reject, proposal_submit, proposal_withdraw
from .sanctions import violation_record
from .tasks import (
    plaza_task_close_unpaid,
    task_cancel,
    task_close,
    task_close_enrollment,
    task_create,
    task_end_enrollment,
    task_post,
)

__all__ = [
    "application_approve",
    "application_create",
    "application_reject",
    "application_withdraw",
    "balances_pay",
    "content_metrics_import_csv",
    "content_metrics_ingest",
    "dispute_resolve",
    "order_accept",
    "order_auto_confirm",
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_decline",
    "order_deliver",
    "order_dispute",
    "order_expire",
    "order_forfeit",
    "order_mark_overdue",
    "order_message_post",
    "order_pay",
    "order_pay_balance",
    "order_request_revision",
    "order_restore_price",
    "orders_mark_overdue",
    "plaza_task_close_unpaid",
    "plaza_task_pay",
    "proposal_accept",
    "proposal_reject",
    "proposal_submit",
    "proposal_withdraw",
    "task_cancel",
    "task_close",
    "task_close_enrollment",
    "task_create",
    "task_end_enrollment",
    "task_post",
    "violation_record",
]
