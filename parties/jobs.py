"""Celery jobs of the parties: the e-mail jobs of the notifications (D5): one e-mail, and the
beat job that e-mails the inbox lines not e-mailed yet.

They are written in `parties.notifications`, with the rest of the notifications; this is the
module the workers discover (`app.autodiscover_tasks(related_name="jobs")`), so it names them.
"""

from .notifications import send_email, send_pending_emails

__all__ = ["send_email", "send_pending_emails"]
