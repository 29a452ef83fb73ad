"""The admin's CSV imports of the platform's data feeds (G1 live sessions, F1 content
metrics): an upload page that reports each refused row with its CSV line and imports the rest."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class CsvImportMixin:
    """Adds `import/` to a ModelAdmin. Set `import_service` (takes `file=bytes`, returns an
    IngestReport), `import_columns` (for the help text) and `import_title`."""

    import_service = None
    import_columns: tuple[str, ...] = ()
    import_title = _("Import CSV")
    change_list_template = "admin/csv_import_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        form.fields["file"].help_text = _(
            "UTF-8, with the header: %(columns)s (times ISO 8601, amounts in yuan)."
        ) % {"columns": ",".join(self.import_columns)}
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = type(self).import_service(file=form.cleaned_data["file"].read())
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(
                    request,
                    _(
                        "%(created)d rows imported, %(updated)d corrected, %(unchanged)d "
                        "already known, %(refused)d refused."
                    )
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "refused": report.refused_count,
                    },
                    messages.WARNING if report.refused else messages.SUCCESS,
                )
        return render(
            request,
            "admin/csv_import.html",
            {
                **self.admin_site.each_context(request),
                "title": self.import_title,
                "form": form,
                "report": report,
                "opts": opts,
            },
        )
