"""Billing tasks: the minute tick (monthly run, per-delivery and automatic invoices, daily reminders), the
billing run with its Job, and the e-mails. Thin: they load ids and call invoicing.services."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop.models import Cooperative, Job
from coop.services import job_fail, job_start, job_succeed
from coop.tenancy.tasks import CoopTask
from invoicing.models import BillingRun
from invoicing.services.calendar import monthly_run_due
from invoicing.services.emails import invoice_email_send, reminder_email_send
from invoicing.services.reminders import reminders_daily
from invoicing.services.runs import billing_issue, billing_run, billing_run_launch

REMINDER_HOUR = 8

__all__ = ["billing_run_task", "billing_tick", "invoice_email", "reminder_email", "tick_all"]


@shared_task(name="invoicing.tick_all")
def tick_all() -> int:
    """Queue one billing tick per active cooperative (beat, every minute)."""
    coop_ids = list(Cooperative.objects.filter(is_active=True).values_list("pk", flat=True))
    for coop_id in coop_ids:
        billing_tick.delay(coop_id)
    return len(coop_ids)


@shared_task(base=CoopTask, name="invoicing.billing_tick")
def billing_tick(coop_id: int, today: str | None = None) -> dict:
    """What is due now, decided from the data; every step is idempotent, so a repeated tick does nothing.
    `today` (ISO date) is for tests and catching up by hand; the beat leaves it empty."""
    coop = Cooperative.objects.get(pk=coop_id)
    given = date.fromisoformat(today) if today else None
    today = given or timezone.localdate()
    launched = None
    period = monthly_run_due(today)
    if period is not None and not BillingRun.objects.filter(period=period,
                                                            trigger=BillingRun.Trigger.SCHEDULED).exists():
        run = billing_run_launch(coop=coop, period=period, trigger=BillingRun.Trigger.SCHEDULED,
                                 task=billing_run_task)
        launched = run.pk if run else None
    issued = billing_issue(coop=coop, until=today, monthly=False, issue_date=min(today, timezone.localdate()))
    # Reminders go out in the morning, not at the first tick after midnight.
    morning = given is not None or timezone.localtime().hour >= REMINDER_HOUR
    reminders = reminders_daily(coop=coop, today=today) if morning else None
    return {"run": launched, "issued": issued.issued, "reminders": None if reminders is None else len(reminders)}


@shared_task(base=CoopTask, name="invoicing.billing_run", acks_late=True, reject_on_worker_lost=True)
def billing_run_task(coop_id: int, job_id: int, run_id: int) -> dict:
    """Issue a month's invoices with progress in the Job. A redelivered task carries on where it stopped."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job.result
    job_start(job_id=job_id)
    run = BillingRun.objects.select_related("coop", "created_by").get(pk=run_id)
    try:
        result = billing_run(coop=run.coop, period=run.period, job_id=job_id, user=run.created_by).as_dict()
    except Exception as exc:
        job_fail(job_id=job_id, message=str(exc))
        raise
    with translation.override(run.coop.default_language):
        message = _("%(issued)s invoice(s) issued, %(skipped)s skipped.") % {
            "issued": result["issued_count"], "skipped": len(result["skipped"])}
    job_succeed(job_id=job_id, result=result, message=message)
    return result


@shared_task(base=CoopTask, name="documents.invoice_email", bind=True, max_retries=8)
def invoice_email(self, coop_id: int, invoice_id: int) -> str:
    """E-mail an issued invoice (PDF attached) once; a mail server that does not answer is tried again."""
    try:
        return invoice_email_send(invoice_id=invoice_id)
    except (SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc


@shared_task(base=CoopTask, name="documents.reminder_email", bind=True, max_retries=8)
def reminder_email(self, coop_id: int, reminder_id: int) -> str:
    try:
        return reminder_email_send(reminder_id=reminder_id)
    except (SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc
