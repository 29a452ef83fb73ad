"""Pages of tasks, plazas, orders and the inbox. Thin: read through selectors, act through one
service per form, show a service's refusal next to its field or at the top of the form."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.forms import show_domain_error
from core.money import format_cny
from core.parsing import id_or_404
from escrow.selectors import merchant_wallet_summary, order_settlement, wallet_shop
from parties import notifications
from parties.selectors import delegated_shop_get, delegated_shops, shop_list
from tasks.models import (
    TERMINAL_ORDER_STATUSES,
    DeclineReason,
    DeliveryFile,
    Dispute,
    OrderStatus,
    Review,
    TaskMode,
    TaskStatus,
)

from . import selectors, services
from .actions import ORDER_ACTIONS, form_key
from .forms import (
    MessageForm,
    NoteForm,
    OrderFilterForm,
    ProposalForm,
    TaskFilterForm,
    TaskForm,
)
from .services.common import is_shop_member

PLAZA_PAGE = 20
LIST_PAGE = 20


def _post_form(form_class, request, action: str, **kwargs):
    """The bound form when this POST is `action`, else an empty one."""
    if request.method == "POST" and request.POST.get("action") == action:
        return form_class(request.POST, request.FILES, **kwargs)
    return form_class(**kwargs)


def _refused(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- posting a task (T2, T3) -----------------------------------------------------------------


def _modes_for(user) -> list[str]:
    if user.is_creator:
        return [TaskMode.RECRUITMENT]
    if user.is_merchant:
        return [TaskMode.PRIVATE, TaskMode.PLAZA, TaskMode.BRAND]
    return []


def _task_form_fields(form: TaskForm, exc: DomainError) -> DomainError:
    """Map the service's field names (sponsorship.x, price, …) onto the form's."""
    fields = {}
    for field, errors in (exc.fields or {}).items():
        fields[TaskForm.SERVICE_FIELDS.get(field, field)] = errors
    exc.fields = fields
    return exc


def _delegated_task_shops(request) -> list:
    """P6: the shops a provider's staff member (no side) posts for: the one named by
    `?shop=` if it delegated its tasks to the member's provider (404 otherwise), or all of
    them. Merchants and creators get none here."""
    if request.user.side:
        return []
    shop_id = id_or_404(request.GET.get("shop") or request.POST.get("shop"))
    if shop_id is not None:
        return [delegated_shop_get(user=request.user, shop_id=shop_id)]
    return list(delegated_shops(user=request.user))


@login_required
def task_new(request):
    delegated = _delegated_task_shops(request)
    # P6: a provider's staff post the merchant's kinds of task for a delegating shop.
    modes = (
        [TaskMode.PRIVATE, TaskMode.PLAZA, TaskMode.BRAND]
        if delegated
        else _modes_for(request.user)
    )
    if not modes:
        raise Http404("Only merchants and creators post tasks.")
    shops = list(shop_list(user=request.user)) if request.user.is_merchant else delegated
    if request.user.is_merchant and not shops:
        messages.info(request, _("Register a shop first: tasks are posted for a shop."))
        return redirect("shop_new")
    initial = {"creator": request.GET.get("creator"), "mode": request.GET.get("mode")}
    form = TaskForm(
        request.POST or None,
        request.FILES or None,
        modes=modes,
        shops=shops,
        initial={key: value for key, value in initial.items() if value},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = _create_task(request, form, data, shops)
        except DomainError as exc:
            show_domain_error(form, _task_form_fields(form, exc))
        else:
            messages.success(request, _("The task is published."))
            if task.mode == TaskMode.PRIVATE:
                return redirect("order_detail", order_id=task.order.pk)
            return redirect("task_detail", task_id=task.pk)
    return render(
        request,
        "tasks/task_form.html",
        {"form": form, "modes": modes, "delegated": bool(delegated), "shops": shops},
    )


def _create_task(request, form, data, shops):
    # The form offers a provider's staff the shops that delegated to it, the first by default.
    shop_id = data.get("shop") or (shops[0].pk if shops and not request.user.is_merchant else None)
    sponsorship = logo = None
    if data["content_type"] == "live_sponsorship":
        logo = data.get("sponsor_logo")
        sponsorship = {
            "brand_name": data.get("sponsor_brand_name") or "",
            "products": form.products(),
        }
    return services.task_post(
        actor=request.user,
        data={**data, "shop": shop_id, "payment": data.get("payment") or "full"},
        sponsorship=sponsorship,
        sponsor_logo=logo,  # Z5: judged and stored by the service, only for an accepted post
        absolute_url=request.build_absolute_uri,
    )


def sponsor_logo(request, name: str):
    """A live sponsorship's logo is public (it is shown on the stream); nothing else in media is
    served from here."""
    if "/" in name or name.startswith(".") or not default_storage.exists(f"sponsor_logos/{name}"):
        raise Http404("No such logo.")
    extension = name.rsplit(".", 1)[-1]
    content_type = {"jpg": "image/jpeg"}.get(extension, f"image/{extension}")
    return FileResponse(default_storage.open(f"sponsor_logos/{name}"), content_type=content_type)


# --- my tasks and the plazas (T10, T20, T21) ----------------------------------------------


@login_required
def task_mine(request):
    if not _modes_for(request.user):
        raise Http404("Only merchants and creators own tasks.")
    status = request.GET.get("status") or None
    if status not in (None, *TaskStatus.values):
        status = None
    tasks = selectors.task_list(user=request.user, mine=True, status=status)
    page = Paginator(tasks, LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/task_mine.html",
        {"page": page, "status": status, "statuses": TaskStatus.choices},
    )


def _cursor_page(queryset, request):
    """Keyset paging, newest first, as the API pages: constant cost at any depth. The cursor is
    the last row's creation time (in microseconds) and id; `created_at ≤` bounds the index
    walk, the id breaks ties."""
    cursor = request.GET.get("cursor") or ""
    micros, _dot, last_id = cursor.partition(".")
    if _ascii_number(micros, 17) and _ascii_number(last_id, 18):
        moment = EPOCH + timedelta(microseconds=int(micros))
        queryset = queryset.filter(
            Q(created_at__lte=moment) & (Q(created_at__lt=moment) | Q(pk__lt=int(last_id))),
            cache_key=("before", micros, last_id),
        )
    rows = list(queryset.order_by("-created_at", "-id")[: PLAZA_PAGE + 1])
    next_cursor = None
    if len(rows) > PLAZA_PAGE:
        last = rows[PLAZA_PAGE - 1]
        next_cursor = f"{_micros(last.created_at)}.{last.pk}"
    return rows[:PLAZA_PAGE], next_cursor


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ascii_number(text: str, most_digits: int) -> bool:
    """ASCII digits only (str.isdigit also takes "²", which int() refuses), not too many."""
    return 0 < len(text) <= most_digits and text.isascii() and text.isdigit()


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _query_without(request, key: str) -> str:
    params = request.GET.copy()
    params.pop(key, None)
    return params.urlencode()


@login_required
def plaza(request):
    """任务广场: open plaza tasks (and brand tasks for creators) still taking applications."""
    form = TaskFilterForm(request.GET or None)
    modes = [TaskMode.PLAZA]
    if request.user.is_creator:
        modes.append(TaskMode.BRAND)
    tasks = selectors.plaza(user=request.user, modes=modes)
    if form.is_valid():
        data = form.cleaned_data
        conditions = Q()
        if data.get("channel"):
            conditions &= selectors.on_channel(data["channel"])
        if data.get("content_type"):
            conditions &= Q(content_type=data["content_type"])
        if data.get("min_price") is not None:
            conditions &= Q(price_fen__gte=data["min_price"])
        if data.get("max_price") is not None:
            conditions &= Q(price_fen__lte=data["max_price"])
        if data.get("deadline_before"):
            end = timezone.make_aware(datetime.combine(data["deadline_before"], time.max))
            conditions &= Q(delivery_deadline__lte=end)
        # the filters once, named by their checked values for the plaza cache
        key = tuple(
            sorted((name, str(value)) for name, value in data.items() if value not in (None, ""))
        )
        tasks = tasks.filter(conditions, cache_key=("page", key))
    elif form.is_bound:
        tasks = tasks.none()
    rows, next_cursor = _cursor_page(tasks, request)
    return render(
        request,
        "tasks/plaza.html",
        {
            "form": form,
            "tasks": rows,
            "next_cursor": next_cursor,
            "query": _query_without(request, "cursor"),
        },
    )


@login_required
def recruitment_plaza(request):
    """招商广场: creators' recruitment tasks and the official announcements (T21)."""
    if not request.user.is_merchant and not request.user.is_creator:
        raise Http404("The recruitment plaza is for merchants and creators.")
    tasks = selectors.plaza(user=request.user, modes=[TaskMode.RECRUITMENT])
    if not request.user.is_merchant:
        tasks = tasks.filter(creator__user=request.user)
    rows, next_cursor = _cursor_page(tasks, request)
    return render(
        request,
        "tasks/recruitment_plaza.html",
        {
            "tasks": rows,
            "next_cursor": next_cursor,
            "announcements": list(selectors.announcement_list()[:5]),
            "query": _query_without(request, "cursor"),
        },
    )


# --- the task page ----------------------------------------------------------------------------


def _agency_context(user):
    """Agency staff propose for their signed creators (T30)."""
    agency = selectors.staff_agency(user=user)
    if agency is None:
        return None, []
    return agency, list(agency.creators.order_by("display_name")[:200])


OWNER_ACTIONS = {"close_enrollment", "cancel", "close", "pay"}


@login_required
def task_detail(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    is_owner = selectors.task_is_owned_by(task=task, user=request.user)
    agency, agency_creators = (None, []) if is_owner else _agency_context(request.user)
    apply_form = _post_form(
        NoteForm, request, "apply", to_creator=task.mode == TaskMode.RECRUITMENT
    )
    proposal_form = _post_form(ProposalForm, request, "propose", creators=agency_creators)

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in OWNER_ACTIONS and not is_owner:
            # A3, as the API (task_get_as_owner): a task seen on a plaza is another tenant's.
            raise Http404("Only the task's owner closes, cancels or pays it.")
        handled = _task_post(request, task, action, apply_form, proposal_form, agency)
        if handled is not None:
            return handled

    context = {
        "task": task,
        "is_owner": is_owner,
        "apply_form": apply_form,
        "proposal_form": proposal_form,
        "agency": agency,
        "now": timezone.now(),
    }
    if is_owner:
        context["applications"] = list(selectors.task_applications(user=request.user, task=task))
        if task.mode == TaskMode.BRAND:
            context["proposals"] = list(_proposals_for_brand(request.user, task))
        # The wallet is the shop's own: a provider managing the task for it (P6) never sees
        # its balance, and never pays.
        if (
            task.mode == TaskMode.PLAZA
            and task.shop_id
            and is_shop_member(shop=task.shop, user=request.user)
        ):
            approved = task.approved_count
            context["pay_total_fen"] = (task.price_fen or 0) * approved
            context["wallet"] = merchant_wallet_summary(shop=task.shop)
        if task.mode == TaskMode.PRIVATE:
            context["order"] = task.orders.order_by("pk").first()
        else:
            context["task_orders"] = list(selectors.order_list(user=request.user).filter(task=task))
        context["metric_orders"], context["metric_totals"] = selectors.task_metrics(task=task)
    else:
        context["my_applications"] = list(
            selectors.task_applications(user=request.user, task=task).filter(
                Q(creator__user=request.user) | Q(applied_by=request.user)
            )
        )
        context["my_proposals"] = list(selectors.task_proposals(user=request.user, task=task))
        if request.user.is_merchant and task.mode == TaskMode.RECRUITMENT:
            shops = list(shop_list(user=request.user))
            context["shops"] = shops
            if shops:
                context["wallet"] = merchant_wallet_summary(shop=shops[0])
    return render(request, "tasks/task_detail.html", context)


def _proposals_for_brand(user, task):
    return (
        selectors.task_proposals(user=user, task=task)
        .select_related("creator", "agency__organization")
        .order_by("quote_fen", "pk")
    )


def _task_post(request, task, action, apply_form, proposal_form, agency):
    """Run one action of the task page; None re-renders the page with the form's errors."""
    here = redirect("task_detail", task_id=task.pk)
    try:
        if action == "apply":
            if not apply_form.is_valid():
                return None
            shop = None
            if request.user.is_merchant:
                shop = wallet_shop(user=request.user, shop_id=id_or_404(request.POST.get("shop")))
            application = services.application_create(
                task=task, actor=request.user, note=apply_form.cleaned_data["note"], shop=shop
            )
            if application.order_id:
                messages.success(
                    request,
                    _("Applied and paid %(amount)s; the money is held until the work is confirmed.")
                    % {"amount": format_cny(application.order.total_fen)},
                )
                return redirect("order_detail", order_id=application.order_id)
            messages.success(request, _("You have applied; the merchant will answer."))
            return here
        if action == "propose":
            if not proposal_form.is_valid():
                return None
            data = proposal_form.cleaned_data
            creator = None
            if agency is not None and data.get("creator"):
                creator = agency.creators.filter(pk=data["creator"]).first()
            services.proposal_submit(
                task=task,
                actor=request.user,
                quote_fen=data["quote"],
                plan=data["plan"],
                creator=creator,
                agency=agency if creator is not None else None,
            )
            messages.success(request, _("Your proposal is sent to the brand."))
            return here
        simple = {
            "approve": lambda: services.application_approve(
                application=selectors.application_get(
                    user=request.user, application_id=request.POST.get("application")
                ),
                actor=request.user,
            ),
            "reject": lambda: services.application_reject(
                application=selectors.application_get(
                    user=request.user, application_id=request.POST.get("application")
                ),
                actor=request.user,
            ),
            "withdraw": lambda: services.application_withdraw(
                application=selectors.application_get(
                    user=request.user, application_id=request.POST.get("application")
                ),
                actor=request.user,
            ),
            "accept_proposal": lambda: services.proposal_accept(
                proposal=selectors.proposal_get(
                    user=request.user, proposal_id=request.POST.get("proposal")
                ),
                actor=request.user,
            ),
            "reject_proposal": lambda: services.proposal_reject(
                proposal=selectors.proposal_get(
                    user=request.user, proposal_id=request.POST.get("proposal")
                ),
                actor=request.user,
            ),
            # T30: the agency takes back a proposal the brand has not answered (the API's
            # proposals/{id}/withdraw/; the page had no way to)
            "withdraw_proposal": lambda: services.proposal_withdraw(
                proposal=selectors.proposal_get(
                    user=request.user, proposal_id=request.POST.get("proposal")
                ),
                actor=request.user,
            ),
            "close_enrollment": lambda: services.task_close_enrollment(
                task=task, actor=request.user
            ),
            "cancel": lambda: services.task_cancel(task=task, actor=request.user),
            "close": lambda: services.task_close(task=task, actor=request.user),
            "pay": lambda: services.plaza_task_pay(task=task, actor=request.user),
        }
        if action not in simple:
            return HttpResponseNotAllowed(["GET"])
        result = simple[action]()
    except DomainError as exc:
        _refused(request, exc)
        return here
    messages.success(request, _task_done_message(action, result))
    if action == "accept_proposal" and getattr(result, "pk", None):
        return redirect("order_detail", order_id=result.pk)
    return here


def _task_done_message(action: str, result) -> str:
    if action == "pay":
        total = sum(order.total_fen for order in result)
        return _("Paid %(amount)s for %(count)s orders; the creators can start.") % {
            "amount": format_cny(total),
            "count": len(result),
        }
    return {
        "approve": _("Application approved."),
        "reject": _("Application rejected."),
        "withdraw": _("Application withdrawn."),
        "accept_proposal": _("Proposal accepted; pay its order to start."),
        "reject_proposal": _("Proposal rejected."),
        "withdraw_proposal": _("Proposal withdrawn."),
        "close_enrollment": _("Enrollment stopped."),
        "cancel": _("The task is cancelled."),
        "close": _("The task is closed."),
    }[action]


# --- orders (T40–T62) ---------------------------------------------------------------------


@login_required
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        filters = {
            "status": data.get("status") or None,
            "order_id": data.get("id"),
            "created_after": datetime.combine(data["created_after"], time.min, tz)
            if data.get("created_after")
            else None,
            "created_before": datetime.combine(
                data["created_before"] + timedelta(days=1), time.min, tz
            )
            if data.get("created_before")
            else None,
        }
    orders = selectors.order_list(user=request.user, **filters)
    if form.is_bound and not form.is_valid():
        orders = orders.none()
    page = Paginator(orders, LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/order_list.html",
        {"form": form, "page": page, "query": _query_without(request, "page")},
    )


@login_required
@require_POST
def balances_pay(request):
    """T42: the balances of the ticked orders in one combined payment."""
    ids = [id_or_404(pk) for pk in request.POST.getlist("orders") if pk.strip()]  # Z4
    if not ids:
        messages.error(request, _("Tick the orders whose balance you want to pay."))
        return redirect("order_list")
    for pk in ids:
        selectors.order_get(user=request.user, order_id=pk)  # 404 for another tenant's order
    try:
        orders = services.balances_pay(order_ids=ids, actor=request.user)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Paid the balances of %(count)s orders in one payment.") % {"count": len(orders)},
        )
    return redirect("order_list")


# The page's forms: one per action of the shared table that takes input, and the message form.
ORDER_FORMS = {
    **{name: action.form for name, action in ORDER_ACTIONS.items() if action.form},
    "message": MessageForm,
}


@login_required
def order_detail(request, order_id: int):
    order = selectors.order_get(user=request.user, order_id=order_id)
    is_party = selectors.order_is_party(order=order, user=request.user)
    is_creator = order.creator.user_id == request.user.pk
    is_merchant = is_party and not is_creator
    forms = {form_key(name): _post_form(cls, request, name) for name, cls in ORDER_FORMS.items()}

    if request.method == "POST":
        if not is_party:
            raise Http404("Agencies read their creators' orders but do not act on them (A4).")
        response = _order_post(request, order, forms)
        if response is not None:
            return response

    logs = list(selectors.order_history(order=order))
    history = _timeline(logs)
    review = Review.objects.filter(order=order).first()
    low, high = order.price_band if order.is_deposit else (None, None)
    context = {
        "order": order,
        "forms": forms,
        "is_party": is_party,
        "is_creator": is_creator,
        "is_merchant": is_merchant,
        "history": history,
        "deliveries": list(order.deliveries.prefetch_related("files").order_by("-pk")),
        "revisions": list(order.revisions.order_by("pk")),
        "review": review,
        "review_stars": "★" * review.rating if review else "",
        # Read by static/js/countdown.js from a json_script element (no inline script: Z1).
        "countdown_units": {"left": _("%d d %h h %m min left"), "over": _("due now")},
        "dispute": Dispute.objects.filter(order=order).first(),
        "order_messages": list(selectors.order_messages(order=order)),
        "price_low_fen": low,
        "price_high_fen": high,
        "wallet": merchant_wallet_summary(shop=order.shop) if is_merchant else None,
        # where an ended order's money went (the "next step" box says so)
        "settlement": order_settlement(order=order) if order.is_terminal else None,
        "decline_reason": _decline_reason_text(logs),
        "deadlines": _deadlines(order),
        "S": OrderStatus,
    }
    context["metric_rows"], context["metric_totals"] = selectors.order_metrics(order=order)
    return render(request, "tasks/order_detail.html", context)


# Lazy: the words are read in the reader's language, not the one active at import.
TRANSITIONS = {
    "create": gettext_lazy("created"),
    "pay": gettext_lazy("paid"),
    "accept": gettext_lazy("accepted"),
    "decline": gettext_lazy("declined"),
    "expire": gettext_lazy("expired (no answer in time)"),
    "cancel": gettext_lazy("cancelled"),
    "pay_balance": gettext_lazy("balance paid"),
    "forfeit": gettext_lazy("balance not paid: deposit forfeited"),
    "deliver": gettext_lazy("delivered"),
    "request_revision": gettext_lazy("revision requested"),
    "confirm": gettext_lazy("confirmed"),
    "mark_overdue": gettext_lazy("not delivered in time: refunded"),
    "open_dispute": gettext_lazy("dispute opened"),
    "resolve": gettext_lazy("dispute decided"),
    "restore_price": gettext_lazy("original price restored"),
}


def _decline_reason_text(logs) -> str:
    """The creator's reason for declining (stored as "code" or "code: note" on the decline's
    log line), in the reader's language."""
    for log in logs:
        if log.transition == "decline" and log.description:
            code, _sep, note = log.description.partition(": ")
            label = str(DeclineReason(code).label) if code in DeclineReason.values else code
            return f"{label} — {note}" if note else label
    return ""


def _status_label(value: str) -> str:
    return OrderStatus(value).label if value in OrderStatus.values else value


def _timeline(logs) -> list[dict]:
    """T70: every step with its time, actor, and the states it went from and to."""
    return [
        {
            "at": log.timestamp,
            "actor": log.by.get_username() if log.by_id else _("System"),
            "what": str(TRANSITIONS.get(log.transition, log.transition)),
            "source": _status_label(log.source_state) if log.source_state else "",
            "target": _status_label(log.state),
        }
        for log in logs
    ]


@login_required
def order_file(request, order_id: int, file_id: int):
    """A delivered file, as a download, to whoever may read the order."""
    order = selectors.order_get(user=request.user, order_id=order_id)
    stored = DeliveryFile.objects.filter(pk=file_id, delivery__order=order).first()
    if stored is None:
        raise Http404("No such file.")
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


def _deadlines(order) -> list[tuple[str, datetime]]:
    rows = [
        (_("Answer by"), order.acceptance_deadline),
        (_("Pay the balance by"), order.balance_deadline),
        (_("Deliver by"), order.delivery_deadline),
        (_("Confirmed automatically at"), order.auto_confirm_at),
    ]
    if order.status in (OrderStatus.DISPUTED, *TERMINAL_ORDER_STATUSES):
        return []
    relevant = {
        OrderStatus.AWAITING_ACCEPTANCE: {0, 2},
        OrderStatus.AWAITING_BALANCE: {1, 2},
        OrderStatus.IN_PRODUCTION: {2},
        OrderStatus.DELIVERED: {3},
        OrderStatus.PENDING_PAYMENT: {2},
    }.get(order.status, set())
    return [row for n, row in enumerate(rows) if n in relevant and row[1]]


def _order_post(request, order, forms):
    """Run the posted action of the shared table (or post a message); None re-renders the page
    with the form's errors."""
    action = request.POST.get("action", "")
    here = redirect("order_detail", order_id=order.pk)
    if action == "message":
        form = forms["message"]
        if not form.is_valid():
            return None
        run = lambda: services.order_message_post(  # noqa: E731
            order=order, actor=request.user, body=form.cleaned_data["body"]
        )
        done = _("Message sent.")
    elif action in ORDER_ACTIONS:
        entry = ORDER_ACTIONS[action]
        form = forms.get(form_key(action)) if entry.form else None
        if form is not None and not form.is_valid():
            return None
        data = form.cleaned_data if form is not None else {}
        run = lambda: entry.run(order=order, actor=request.user, data=data)  # noqa: E731
        done = entry.done
    else:
        return HttpResponseNotAllowed(["GET"])
    try:
        run()
    except DomainError as exc:
        if form is None:
            _refused(request, exc)
            return here
        show_domain_error(form, exc)
        return None
    messages.success(request, done)
    return here


# --- the inbox (D5) -------------------------------------------------------------------------


@login_required
def inbox(request):
    if request.method == "POST":
        notifications.mark_read(user=request.user)
        messages.success(request, _("All notifications are marked read."))
        return redirect("inbox")
    shown = request.GET.get("type", "")
    if shown not in ("unread", *notifications.CATEGORIES):
        shown = ""
    notices = notifications.inbox(
        user=request.user,
        unread=shown == "unread",
        category=shown if shown in notifications.CATEGORIES else None,
    )
    page = Paginator(notices, LIST_PAGE).get_page(request.GET.get("page"))
    rows = [(notice, notifications.render(notice)) for notice in page]
    tabs = [
        ("", _("All")),
        ("unread", _("Unread")),
        ("orders", _("Orders")),
        ("tasks", _("Tasks")),
        ("incentives", _("Incentives")),
        ("account", _("Account")),
    ]
    return render(
        request,
        "tasks/inbox.html",
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "shown": shown,
            "query": f"type={shown}" if shown else "",
        },
    )


@login_required
def notice_open(request, notification_id: int):
    """D5: opening a notice marks it read, then leads to its order or task (or the inbox)."""
    notice = notifications.notice_open(user=request.user, notification_id=notification_id)
    if notice.order_id:
        return redirect("order_detail", notice.order_id)
    if notice.task_id:
        return redirect("task_detail", notice.task_id)
    return redirect("inbox")
