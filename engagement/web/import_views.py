"""The import page: upload a file (dry run by default), watch the job, read the report, and run
a clean dry run for real. The work happens in a Celery task (engagement.tasks.run_import_job);
the job page polls a small JSON status and reloads itself when the job ends."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from engagement.errors import NotPermitted, ServiceError
from engagement.models import ImportJob
from engagement.services import import_jobs, imports
from engagement.web.crm_views import refuse
from engagement.web.forms import show_service_error
from engagement.web.once import once

REPORT_ROWS_SHOWN = 500


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Shift_JIS, as Excel saves it) or XLSX; the first row names the columns, "
            "in English or Japanese."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row and write nothing"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, kinds: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ImportJob.Kind(k).label) for k in kinds]


def _columns(kind: str) -> list[tuple]:
    """The columns of `kind` for the page, each listed value with its label in the reader's
    language (the column takes either)."""
    return [
        (
            field,
            aliases,
            required,
            [_("%(code)s (%(label)s)") % {"code": code, "label": label} for code, label in values],
        )
        for field, aliases, required, values in imports.column_help(kind)
    ]


def _own_job(request, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, user=request.user).first()
    if job is None:
        raise Http404
    return job


def _status(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "finished": job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
        "total_rows": job.total_rows,
        "processed_rows": import_jobs.import_job_processed(job),
        "percent": import_jobs.import_job_percent(job),
        "created_count": job.created_count,
        "error_count": len(job.errors or []),
    }


@login_required
@require_http_methods(["GET", "POST"])
@once
def import_page(request):
    kinds = import_jobs.importable_kinds(request.user)
    posted = request.POST.get("kind")
    if posted in imports.KINDS and posted not in kinds:
        # A kind the page does not offer this person: a refusal, not "not a valid choice".
        label = ImportJob.Kind(posted).label
        return refuse(
            request, _("You may not import this kind of record: %(kind)s.") % {"kind": label}
        )
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                job = import_jobs.import_job_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except NotPermitted as exc:
                form.add_error(None, exc.detail)
                status = 403
            except ServiceError as exc:
                show_service_error(form, exc)
            else:
                return redirect("import-job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user)[:10]
    columns = [(ImportJob.Kind(kind).label, _columns(kind)) for kind in kinds]
    return render(
        request,
        "engagement/import_form.html",
        {"form": form, "jobs": jobs, "columns": columns},
        status=status,
    )


@login_required
def import_job_page(request, pk: int):
    job = _own_job(request, pk)
    errors = job.errors or []
    return render(
        request,
        "engagement/import_job.html",
        {
            "job": job,
            "state": _status(job),
            "errors": errors[:REPORT_ROWS_SHOWN],
            "more_errors": max(0, len(errors) - REPORT_ROWS_SHOWN),
            "warnings": (job.warnings or [])[:REPORT_ROWS_SHOWN],
            "can_run_for_real": job.dry_run and job.status == ImportJob.Status.SUCCEEDED,
            # The same words as the page's own counter, for the script that updates it.
            "count_template": _("%(done)s of %(total)s rows"),
        },
    )


@login_required
def import_job_status(request, pk: int):
    return JsonResponse(_status(_own_job(request, pk)))


class _Echo:
    def write(self, value):
        return value


@login_required
def import_job_errors_csv(request, pk: int):
    """The full report of bad rows, for Excel (UTF-8 with BOM)."""
    job = _own_job(request, pk)
    writer = csv.writer(_Echo())

    # The headers in the reader's language, translated now: the lines are streamed after the
    # view has returned, when the reader's language is no longer active. The reasons are as the
    # import wrote them.
    header = [_("row"), _("column"), _("reason")]

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for e in job.errors or []:
            yield writer.writerow([e.get("row") or "", e.get("column", ""), e.get("reason", "")])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    return response


@login_required
@require_POST
@once
def import_job_run_for_real(request, pk: int):
    job = _own_job(request, pk)
    try:
        real = import_jobs.import_job_run_for_real(actor=request.user, job=job)
    except ServiceError as exc:
        messages.error(
            request,
            exc.detail if not exc.errors else " ".join(m for ms in exc.errors.values() for m in ms),
        )
        return redirect("import-job", pk=job.pk)
    messages.success(request, _("The import is running for real."))
    return redirect("import-job", pk=real.pk)
