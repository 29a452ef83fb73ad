"""Content tasks and the orders they make (DESIGN T1–T70, §4), in three modules:

- `tasks.models.tasks`: channels, tasks, applications, proposals, announcements (T1–T30);
- `tasks.models.orders`: the order and its state machine, its windows (T4–T62, §4);
- `tasks.models.work`: deliveries and files, revisions, reviews, messages, disputes, the
  sweeper's runs, content metrics.

Everything is importable from `tasks.models`, as Django and the migrations expect.
"""

from .orders import (
    ACCEPTANCE_WINDOW,
    AUTO_CONFIRM_WINDOW,
    BALANCE_WINDOW,
    DEPOSIT_ACCEPTANCE_WINDOW,
    MAX_REVISIONS,
    PRICE_CHANGE_LIMIT_PERCENT,
    REVISION_GRACE,
    TERMINAL_ORDER_STATUSES,
    DeclineReason,
    DisputeGround,
    DisputeOutcome,
    Order,
    OrderKind,
    OrderStatus,
)
from .tasks import (
    ACTIVE_APPLICATION_STATUSES,
    LOGO_MAX_BYTES,
    LOGO_TYPES,
    MAX_SPONSORED_PRODUCTS,
    PLAZA_PAYMENT_WINDOW,
    Announcement,
    Application,
    ApplicationStatus,
    Channel,
    PaymentMode,
    Proposal,
    ProposalStatus,
    Task,
    TaskMode,
    TaskStatus,
)
from .work import (
    ContentMetric,
    Delivery,
    DeliveryFile,
    Dispute,
    OrderMessage,
    Review,
    Revision,
    SweepRun,
)

__all__ = [
    "ACCEPTANCE_WINDOW",
    "ACTIVE_APPLICATION_STATUSES",
    "AUTO_CONFIRM_WINDOW",
    "BALANCE_WINDOW",
    "DEPOSIT_ACCEPTANCE_WINDOW",
    "LOGO_MAX_BYTES",
    "LOGO_TYPES",
    "MAX_REVISIONS",
    "MAX_SPONSORED_PRODUCTS",
    "PLAZA_PAYMENT_WINDOW",
    "PRICE_CHANGE_LIMIT_PERCENT",
    "REVISION_GRACE",
    "TERMINAL_ORDER_STATUSES",
    "Announcement",
    "Application",
    "ApplicationStatus",
    "Channel",
    "ContentMetric",
    "DeclineReason",
    "Delivery",
    "DeliveryFile",
    "Dispute",
    "DisputeGround",
    "DisputeOutcome",
    "Order",
    "OrderKind",
    "OrderMessage",
    "OrderStatus",
    "PaymentMode",
    "Proposal",
    "ProposalStatus",
    "Review",
    "Revision",
    "SweepRun",
    "Task",
    "TaskMode",
    "TaskStatus",
]
