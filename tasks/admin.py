"""Ops' side of tasks and orders (issue: admin). Every state change here calls the same service
as the API; nothing in this file writes a status or moves money itself."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm_log.admin import StateLogInline

from core.admin_actions import for_each_row
from core.admin_imports import CsvImportMixin
from core.admin_large import CREATED_FILTER, LargeTableMixin
from core.admin_pages import ObjectPage, ObjectPageMixin, ReadOnlyInline, ReadOnlyModelAdmin
from core.exceptions import DomainError
from core.money import format_cny, parse_yuan
from core.ops_powers import PowerLinksMixin, power, require_power
from escrow.models import Entry
from parties.models import Organization, User, Violation, ViolationKind
from tasks.models import (
    Announcement,
    Application,
    Channel,
    ContentMetric,
    Delivery,
    DeliveryFile,
    Dispute,
    DisputeOutcome,
    Order,
    OrderMessage,
    OrderStatus,
    Proposal,
    Review,
    Revision,
    SweepRun,
    Task,
)

from . import services
from .deadlines import due_summary
from .services.metrics import CSV_COLUMNS as METRIC_CSV_COLUMNS


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """T1: ops edit channels, including whether creators may post recruitment tasks."""

    list_display = ["name", "code", "name_en", "allows_recruitment", "is_active", "sort_order"]
    list_editable = ["allows_recruitment", "is_active", "sort_order"]
    search_fields = ["name", "code", "name_en"]


# --- tasks ---------------------------------------------------------------------------------


class ApplicationInline(ReadOnlyInline):
    model = Application
    fk_name = "task"
    fields = ["id", "creator", "shop", "status", "order", "note", "created_at"]
    readonly_fields = fields


class ProposalInline(ReadOnlyInline):
    model = Proposal
    fields = ["id", "creator", "agency", "quote", "status", "order", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("quote"))
    def quote(self, proposal):
        return format_cny(proposal.quote_fen)


@admin.register(Task)
class TaskAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "mode",
        "owner",
        "channel",
        "content_type",
        "price",
        "status",
        "enrollment_deadline",
        "delivery_deadline",
        "created_at",
    ]
    list_filter = ["mode", "status", "channel", "content_type", CREATED_FILTER]
    search_fields = ["=id", "title", "shop__organization__name", "creator__display_name"]
    list_select_related = ["shop__organization", "creator", "channel"]
    readonly_fields = [
        "mode",
        "shop",
        "creator",
        "created_by",
        "status",
        "price_fen",
        "budget_fen",
        "payment_mode",
        "slots",
        "enrollment_closed_at",
        "payment_due_at",
        "closed_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [ApplicationInline, ProposalInline, StateLogInline]
    actions = ["close_enrollment", "close_tasks"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("owner"))
    def owner(self, task):
        return task.shop or task.creator

    @admin.display(description=_("price"), ordering="price_fen")
    def price(self, task):
        return format_cny(task.price_fen) if task.price_fen is not None else "—"

    has_close_permission = power("tasks.close_task")  # Z3

    @admin.action(
        description=_("Stop enrollment of the selected plaza tasks (T10)"), permissions=["close"]
    )
    def close_enrollment(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset,
            lambda task: services.task_close_enrollment(task=task, actor=request.user),
            _("Enrollment stopped for %(n)d tasks."),
        )

    @admin.action(
        description=_("Close the selected tasks (no new applications)"), permissions=["close"]
    )
    def close_tasks(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset,
            lambda task: services.task_close(
                task=task, actor=request.user, reason=str(_("closed by the platform"))
            ),
            _("%(n)d tasks closed."),
        )


@admin.register(Application)
class ApplicationAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = ["id", "task", "creator", "shop", "status", "order", "created_at"]
    list_filter = ["status", "task__mode"]
    search_fields = ["=id", "=task__id", "creator__display_name", "shop__organization__name"]
    list_select_related = ["task", "creator", "shop__organization", "order"]
    readonly_fields = [f.name for f in Application._meta.fields]
    inlines = [StateLogInline]

    def has_add_permission(self, request):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "creator", "agency", "quote", "status", "order", "created_at"]
    list_filter = ["status"]
    search_fields = ["=id", "=task__id", "creator__display_name", "agency__organization__name"]
    list_select_related = ["task", "creator", "agency__organization", "order"]
    readonly_fields = [f.name for f in Proposal._meta.fields]
    inlines = [StateLogInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("quote"), ordering="quote_fen")
    def quote(self, proposal):
        return format_cny(proposal.quote_fen)


# --- orders --------------------------------------------------------------------------------


class MessageInline(ReadOnlyInline):
    model = OrderMessage
    fields = ["created_at", "author", "body"]
    readonly_fields = fields


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ["created_at", "links", "note", "is_joint_content", "submitted_by"]
    readonly_fields = fields


class RevisionInline(ReadOnlyInline):
    model = Revision
    fields = ["created_at", "note", "new_deadline", "requested_by"]
    readonly_fields = fields


def _due_action(order: Order):
    """The sweep action for an order's state (each returns None when nothing is due)."""
    return {
        OrderStatus.AWAITING_ACCEPTANCE: services.order_expire,
        OrderStatus.AWAITING_BALANCE: services.order_forfeit,
        OrderStatus.IN_PRODUCTION: services.order_mark_overdue,
        OrderStatus.DELIVERED: services.order_auto_confirm,
    }.get(order.status)


@admin.register(Order)
class OrderAdmin(LargeTableMixin, admin.ModelAdmin):
    """Orders with their money, transition log (T70), ledger lines and messages (T60).
    State changes go through the order services."""

    list_display = [
        "id",
        "title",
        "kind",
        "shop",
        "creator",
        "price",
        "fee",
        "status",
        "delivery_deadline",
        "created_at",
    ]
    list_filter = ["status", "kind", CREATED_FILTER]
    search_fields = ["=id", "title", "shop__organization__name", "creator__display_name"]
    list_select_related = ["shop__organization", "creator"]
    readonly_fields = [
        "kind",
        "task",
        "shop",
        "creator",
        "price_fen",
        "original_price_fen",
        "fee_rate_bp",
        "fee_fen",
        "deposit_fen",
        "price_restored",
        "revisions_used",
        "status",
        "acceptance_deadline",
        "balance_deadline",
        "delivery_deadline",
        "auto_confirm_at",
        "paid_at",
        "accepted_at",
        "delivered_at",
        "closed_at",
        "created_at",
        "escrow_balance",
        "ledger_lines",
    ]
    inlines = [StateLogInline, DeliveryInline, RevisionInline, MessageInline]
    actions = ["apply_due_deadlines"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("price"), ordering="price_fen")
    def price(self, order):
        return format_cny(order.price_fen)

    @admin.display(description=_("fee"), ordering="fee_fen")
    def fee(self, order):
        return format_cny(order.fee_fen)

    @admin.display(description=_("held in escrow"))
    def escrow_balance(self, order):
        account = order.ledger_accounts.filter(kind="order_escrow").first()
        return format_cny(account.balance_fen if account else 0)

    @admin.display(description=_("ledger lines"))
    def ledger_lines(self, order):
        # By ids read first: an OR across the two joins made PostgreSQL read every entry
        # (1 s at a million entries); two id lists let it combine the two indexes.
        transaction_ids = list(order.journal_transactions.values_list("pk", flat=True))
        account_ids = list(order.ledger_accounts.values_list("pk", flat=True))
        entries = (
            Entry.objects.filter(
                Q(account_id__in=account_ids) | Q(transaction_id__in=transaction_ids)
            )
            .select_related("transaction", "account")
            .order_by("transaction_id", "id")
        )
        rows = format_html_join(
            "",
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td style='text-align:right'>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    entry.transaction_id,
                    entry.transaction.get_kind_display(),
                    entry.account.get_kind_display(),
                    format_cny(entry.amount_fen),
                    entry.transaction.created_at.strftime("%Y-%m-%d %H:%M"),
                )
                for entry in entries
            ),
        )
        return format_html("<table>{}</table>", rows) if rows else "—"

    has_apply_deadline_permission = power("tasks.apply_order_deadline")  # Z3

    @admin.action(
        description=_("Apply the due deadline of the selected orders now (D4)"),
        permissions=["apply_deadline"],
    )
    def apply_due_deadlines(self, request, queryset):
        def apply(order):
            action = _due_action(order)
            return action(order=order, actor=request.user) if action else None

        for_each_row(self, request, queryset, apply, _("%(n)d orders had a due deadline applied."))


# --- disputes (T61) -------------------------------------------------------------------------


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("decision"), choices=DisputeOutcome.choices)
    creator_amount = forms.CharField(
        label=_("creator's part (yuan, split only)"), required=False, max_length=20
    )
    note = forms.CharField(
        label=_("decision note (both sides see it)"), widget=forms.Textarea, max_length=2000
    )

    def clean_creator_amount(self):
        raw = (self.cleaned_data.get("creator_amount") or "").strip().lstrip("¥")
        if not raw:
            return None
        try:
            return parse_yuan(raw.replace(",", ""))
        except ValueError:
            raise forms.ValidationError(
                _('Enter yuan with at most two decimals, e.g. "500.00".')
            ) from None

    def clean(self):
        data = super().clean()
        if data.get("outcome") == DisputeOutcome.SPLIT and not data.get("creator_amount"):
            self.add_error("creator_amount", _("A split needs the creator's part."))
        return data


class DisputeOpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Waiting for a decision")), ("decided", _("Decided"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "decided":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Dispute)
class DisputeAdmin(ObjectPageMixin, PowerLinksMixin, admin.ModelAdmin):
    """T61: the queue, oldest first; each dispute is decided on its own page through
    tasks.services.dispute_resolve."""

    power_links = {"decide_link": "tasks.decide_dispute"}  # Z3
    object_page = ObjectPage(  # Z3: deciding moves money
        "decide",
        "tasks.decide_dispute",
        "admin/tasks/decide_dispute.html",
        DecideForm,
        _("The dispute is decided."),
        related=("order",),
    )

    list_display = [
        "id",
        "order",
        "ground",
        "opened_by",
        "opened_at",
        "held",
        "outcome",
        "resolved_at",
        "decide_link",
    ]
    list_filter = [DisputeOpenFilter, "ground", "outcome"]
    search_fields = ["=id", "=order__id", "order__title", "reason"]
    list_select_related = ["order", "opened_by"]
    ordering = ["resolved_at", "opened_at"]
    readonly_fields = [f.name for f in Dispute._meta.fields] + ["messages"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("held in escrow"))
    def held(self, dispute):
        return format_cny(dispute.order.total_fen)

    @admin.display(description=_("decide"))
    def decide_link(self, dispute):
        if not dispute.is_open:
            return "—"
        return self.object_page_link(dispute, _("Decide"))

    @admin.display(description=_("order messages (evidence, T60)"))
    def messages(self, dispute):
        rows = format_html_join(
            "",
            "<li>{} · {}: {}</li>",
            (
                (m.created_at.strftime("%Y-%m-%d %H:%M"), m.author, m.body)
                for m in dispute.order.messages.select_related("author")
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "—"

    def object_page_act(self, request, dispute, data) -> None:
        services.dispute_resolve(
            dispute=dispute,
            actor=request.user,
            outcome=data["outcome"],
            note=data["note"],
            creator_fen=data["creator_amount"],
        )

    def object_page_refused(self, form, exc) -> None:
        form.add_error(None, exc.message)
        for field, errors in exc.fields.items():
            target = "creator_amount" if field == "creator_amount" else None
            for error in errors:
                form.add_error(target, error)

    def object_page_context(self, request, dispute) -> dict:
        return {
            "title": _("Decide dispute #%(id)s") % {"id": dispute.pk},
            "dispute": dispute,
            "order": dispute.order,
            "held": format_cny(dispute.order.total_fen),
            "price": format_cny(dispute.order.price_fen),
        }


# --- the rest ------------------------------------------------------------------------------


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """T21: official announcements shown on the recruitment plaza."""

    list_display = ["title", "is_published", "published_at", "created_by"]
    list_filter = ["is_published"]
    search_fields = ["title", "body"]
    readonly_fields = ["published_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Review)
class ReviewAdmin(ReadOnlyModelAdmin):
    list_display = ["order", "rating", "comment", "created_at"]
    list_filter = ["rating"]
    search_fields = ["=order__id", "comment"]


@admin.register(OrderMessage)
class OrderMessageAdmin(ReadOnlyModelAdmin):
    list_display = ["order", "author", "body", "created_at"]
    search_fields = ["=order__id", "body", "author__username"]
    list_select_related = ["order", "author"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["order", "is_joint_content", "submitted_by", "created_at"]
    search_fields = ["=order__id"]


@admin.register(DeliveryFile)
class DeliveryFileAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "delivery", "size"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyModelAdmin):
    list_display = ["order", "note", "new_deadline", "created_at"]
    search_fields = ["=order__id"]


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyModelAdmin):
    """D1: the last sweeps (when, how many of each kind, how long, errors) and, above the list,
    what falls due in the next 24 hours per kind."""

    list_display = ["started_at", "as_of", "trigger", "moved", "duration_ms", "error_count"]
    list_filter = ["trigger"]
    readonly_fields = [f.name for f in SweepRun._meta.fields]
    change_list_template = "admin/tasks/sweeprun/change_list.html"

    @admin.display(description=_("moved"))
    def moved(self, run):
        return ", ".join(f"{code} {count}" for code, count in run.counts.items() if count) or "0"

    @admin.display(description=_("errors"))
    def error_count(self, run):
        return len(run.errors or [])

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "due_summary": due_summary()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ContentMetric)
class ContentMetricAdmin(CsvImportMixin, admin.ModelAdmin):
    """F1: the content figures of delivered orders, per day (the closing report reads them).
    More arrive through the API or “Import CSV”."""

    import_service = staticmethod(services.content_metrics_import_csv)
    import_columns = METRIC_CSV_COLUMNS
    import_title = _("Import content metrics (CSV)")

    list_display = ["order", "date", "views", "likes", "comments", "shares", "clicks", "gmv"]
    list_filter = ["date"]
    search_fields = ["=order__id", "order__title"]
    list_select_related = ["order"]
    date_hierarchy = "date"

    @admin.display(description=_("GMV"), ordering="gmv_fen")
    def gmv(self, row):
        return format_cny(row.gmv_fen)


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label=_("violation"), choices=ViolationKind.choices)
    user = forms.ModelChoiceField(
        label=_("account (creator or merchant)"),
        queryset=User.objects.filter(is_staff=False).order_by("username"),
        required=False,
    )
    organization = forms.ModelChoiceField(
        label=_("or a merchant shop / agency"),
        queryset=Organization.objects.filter(kind__in=["shop", "agency"]).order_by("name"),
        required=False,
    )
    task = forms.IntegerField(
        label=_("post (task ID)"),
        required=False,
        help_text=_("S1: a first off-platform deal takes this post down."),
    )
    restriction_days = forms.IntegerField(
        label=_("restriction (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("S2 only: empty means a permanent restriction. S1 follows its ladder."),
    )
    reason = forms.CharField(
        label=_("reason (the party reads it)"), max_length=2000, widget=forms.Textarea
    )


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    """S1/S2: violations are recorded on “Record a violation”; the sanction follows the
    ladder (S1) or the chosen days (S2)."""

    list_display = ["recorded_at", "kind", "party", "step", "task", "recorded_by", "sanction_kind"]
    list_filter = ["kind"]
    search_fields = ["user__username", "organization__name", "reason"]
    list_select_related = ["user", "organization", "task", "recorded_by", "sanction"]
    readonly_fields = [
        "kind",
        "user",
        "organization",
        "task",
        "step",
        "reason",
        "recorded_by",
        "recorded_at",
    ]
    change_list_template = "admin/marketplace/violation_change_list.html"

    def has_add_permission(self, request):
        return False  # through record_view, which runs the service

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("party"))
    def party(self, violation):
        return violation.party_name

    @admin.display(description=_("sanction"))
    def sanction_kind(self, violation):
        sanction = getattr(violation, "sanction", None)
        return sanction.get_kind_display() if sanction else "—"

    def get_urls(self):
        return [
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="marketplace_violation_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request):
        require_power(request, "marketplace.record_violation")  # Z3: the 风控 desk
        form = ViolationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            task = None
            if data["task"]:
                task = Task.objects.filter(pk=data["task"]).first()
                if task is None:
                    form.add_error("task", _("No task has this ID."))
            if not form.errors:
                try:
                    services.violation_record(
                        actor=request.user,
                        kind=data["kind"],
                        reason=data["reason"],
                        user=data["user"],
                        organization=data["organization"],
                        task=task,
                        restriction_days=data["restriction_days"],
                    )
                except DomainError as exc:
                    placed = False
                    for field, errors in exc.fields.items():
                        target = "user" if field == "party" else field
                        if target in form.fields:
                            for error in errors:
                                form.add_error(target, error)
                            placed = True
                    if not placed:
                        form.add_error(None, exc.message)
                else:
                    self.message_user(request, _("The violation is recorded."), messages.SUCCESS)
                    return redirect("admin:marketplace_violation_changelist")
        return render(
            request,
            "admin/marketplace/record_violation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record a violation"),
                "form": form,
                "opts": self.model._meta,
            },
        )
