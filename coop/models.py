"""The tenant (`Cooperative`) and tenant-wide infrastructure (`Job` progress of long tasks)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from . import validators
from .versioned import VersionedManager


class Cooperative(models.Model):
    """The tenant. Every tenant-owned row points here with an indexed `coop` foreign key."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address (slug)"), max_length=50, unique=True,
                            validators=[validators.validate_coop_slug])
    legal_name = models.CharField(_("legal name"), max_length=200)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20,
                                         validators=[validators.validate_enterprise_number])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True,
                                  validators=[validators.validate_vat_number])
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validators.validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validators.validate_bic])
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("municipality"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    region_label = models.CharField(_("region"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    default_language = models.CharField(_("default language"), max_length=5,
                                        choices=settings.LANGUAGES, default="nl")
    # Placeholder for the catalogue issue: the coop's default margin on producer prices, in percent.
    default_margin_percent = models.DecimalField(_("default margin (%)"), max_digits=5, decimal_places=2,
                                                 default=Decimal("25.00"))
    # B2B: the smallest order a business customer may place (excl. VAT) unless its account says otherwise.
    business_minimum_order = models.DecimalField(_("minimum business order excl. VAT"), max_digits=8,
                                                 decimal_places=2, default=Decimal("0.00"))
    is_listed = models.BooleanField(_("listed on the home page"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VersionedManager()  # bulk writes bump (members/apps.py, catalog/apps.py)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("coop_home", kwargs={"coop_slug": self.slug})

    def clean(self):
        super().clean()
        # Store identifiers in one canonical form; compact() only strips separators, so it never raises.
        if self.enterprise_number:
            self.enterprise_number = validators.format_enterprise_number(self.enterprise_number)
        if self.vat_number:
            self.vat_number = validators.compact_vat(self.vat_number)
        if self.iban:
            self.iban = validators.compact_iban(self.iban)
        self.bic = self.bic.replace(" ", "").upper()


class Job(models.Model):
    """Progress of a long task (cut-off, planning, PDFs, imports) that pages poll and the API exposes."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="jobs", db_index=True)
    kind = models.CharField(_("kind"), max_length=60)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
