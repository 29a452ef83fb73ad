"""The admin's building blocks for one row: a read-only inline of its history, and a page about
the row.

A page about one row: decide an appeal, a dispute or an application, change a
provider's standing. The link in the list, the URL, the permission (Z3), the form, the refusal
shown on the form and the redirect after success are written once, here.

A ModelAdmin names its page in `object_page` and writes `object_page_act` (call the service)
and `object_page_context` (what the template shows besides the form).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from .exceptions import DomainError
from .ops_powers import require_power


@dataclass(frozen=True)
class ObjectPage:
    suffix: str  # the URL's last part and the URL name's: admin:<app>_<model>_<suffix>
    permission: str  # Z3: the power the page needs, checked before the row is read
    template: str
    form: type
    done: str  # the message after the service accepted
    related: tuple[str, ...] = field(default=())  # select_related of the row


class ObjectPageMixin:
    object_page: ObjectPage
    # More pages about the same row, each with its own power (the hooks read which one from
    # `request.object_page`).
    more_object_pages: tuple[ObjectPage, ...] = ()

    def object_page_name(self, page: ObjectPage | None = None) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{(page or self.object_page).suffix}"

    def object_page_link(self, obj, label, page: ObjectPage | None = None) -> str:
        url = reverse(f"admin:{self.object_page_name(page)}", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        pages = []
        for page in (self.object_page, *self.more_object_pages):

            def view(request, object_id, page=page):
                return self.object_page_view(request, object_id, page=page)

            pages.append(
                path(
                    f"<int:object_id>/{page.suffix}/",
                    self.admin_site.admin_view(view),
                    name=self.object_page_name(page),
                )
            )
        return [*pages, *super().get_urls()]

    def object_page_act(self, request, obj, data: dict) -> None:
        raise NotImplementedError

    def object_page_context(self, request, obj) -> dict:
        return {}

    def object_page_refused(self, form, exc: DomainError) -> None:
        form.add_error(None, exc.message)

    def object_page_view(self, request, object_id: int, page: ObjectPage | None = None):
        page = page or self.object_page
        request.object_page = page
        require_power(request, page.permission)
        obj = get_object_or_404(self.model.objects.select_related(*page.related), pk=object_id)
        form = page.form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self.object_page_act(request, obj, form.cleaned_data)
            except DomainError as exc:
                self.object_page_refused(form, exc)
            else:
                self.message_user(request, page.done, messages.SUCCESS)
                opts = self.model._meta
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return render(
            request,
            page.template,
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                **self.object_page_context(request, obj),
            },
        )


class ReadOnlyInline(admin.TabularInline):
    """A row's history shown on its page (entries, contracts, offers …): never added, changed or
    deleted from here, because only the services write it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record only the services write (a ledger, a log, a decision): ops read it, never add,
    change or delete it from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
