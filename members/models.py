"""People (`User`) and their place in a cooperative (`Membership`, `Invitation`)."""

import secrets

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.media import PublicUpload
from coop.models import Cooperative
from coop.versioned import ScopedVersionedManager, VersionedManager


class UserManager(BaseUserManager, VersionedManager):  # bulk writes bump (members/apps.py)
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person. The e-mail address is the login; there is no username."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=5, blank=True,
                                help_text=_("Language for e-mails and documents; empty = the coop's."))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    CONSUMER = "consumer", _("consumer")
    BUSINESS = "business", _("business customer")
    PRODUCER = "producer", _("producer")
    DRIVER = "driver", _("driver")
    FIXER = "fixer", _("fixer (coordinator)")
    ADMIN = "admin", _("administrator")


# Who runs the cooperative: may manage members and see everything operational.
MANAGER_ROLES = (Role.ADMIN, Role.FIXER)


class Membership(models.Model):
    """One row per person and cooperative, with the set of roles that person has there."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="memberships", db_index=True)
    user = models.ForeignKey("members.User", on_delete=models.CASCADE, related_name="memberships")
    roles = ArrayField(models.CharField(max_length=20, choices=Role.choices), default=list, blank=True,
                       verbose_name=_("roles"))
    business_account = models.ForeignKey("members.BusinessAccount", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="memberships",
                                         verbose_name=_("buys for"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Removing a member keeps the row (orders and invoices point to it) but ends all access.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    objects = ScopedVersionedManager(coop="coop")  # bulk writes bump (members/apps.py)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "user"], name="membership_one_per_user_and_coop"),
            models.CheckConstraint(
                condition=models.Q(roles__contained_by=[r.value for r in Role]), name="membership_known_roles"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.coop}"

    def has_role(self, *roles: str) -> bool:
        """True when the member has any of `roles`."""
        return any(role in self.roles for role in roles)

    @property
    def is_manager(self) -> bool:
        return self.has_role(*MANAGER_ROLES)

    def get_roles_display(self) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(r, r)) for r in self.roles)


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An e-mailed invitation to join a cooperative with given roles; accepted through a link."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="invitations", db_index=True)
    email = models.EmailField(_("e-mail address"))
    roles = ArrayField(models.CharField(max_length=20, choices=Role.choices), verbose_name=_("roles"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # A business user invited for an account: accepting links the membership to it.
    business_account = models.ForeignKey("members.BusinessAccount", null=True, blank=True,
                                         on_delete=models.CASCADE, related_name="invitations")

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.coop}"


class Weekday(models.TextChoices):
    MON = "mon", _("Monday")
    TUE = "tue", _("Tuesday")
    WED = "wed", _("Wednesday")
    THU = "thu", _("Thursday")
    FRI = "fri", _("Friday")
    SAT = "sat", _("Saturday")
    SUN = "sun", _("Sunday")


class Producer(models.Model):
    """A farm's profile in one cooperative (one per producer membership)."""

    class VatStatus(models.TextChoices):
        NORMAL = "normal", _("normal VAT regime")
        FLAT_RATE = "flat_rate_farmer", _("agricultural flat-rate scheme")
        SMALL_BUSINESS = "small_business_exempt", _("exempt small business")

    class DeliveryMode(models.TextChoices):
        BRINGS = "brings_to_hub", _("brings the goods to the hub")
        COLLECTED = "collected", _("goods must be collected")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="producers", db_index=True)
    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="producer")
    key = models.SlugField(_("code"), max_length=60, help_text=_("Stable short code, unique in the coop."))
    farm_name = models.CharField(_("farm name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    # Public: shown on the catalogue by its URL (coop/media.py).
    photo = models.ImageField(_("photo"), upload_to=PublicUpload("producers"), max_length=200, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("municipality"), max_length=100)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20, blank=True)
    vat_status = models.CharField(_("VAT status"), max_length=30, choices=VatStatus.choices,
                                  default=VatStatus.NORMAL)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    organic_control_body = models.CharField(_("organic control body"), max_length=20, blank=True,
                                            help_text=_("e.g. BE-BIO-01 (Certisys)"))
    organic_certificate_valid_until = models.DateField(_("organic certificate valid until"), null=True,
                                                       blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    delivery_mode = models.CharField(_("delivery to the hub"), max_length=20, choices=DeliveryMode.choices,
                                     default=DeliveryMode.BRINGS)
    delivery_days = ArrayField(models.CharField(max_length=3, choices=Weekday.choices), default=list,
                               blank=True, verbose_name=_("delivery days"))
    delivery_earliest = models.TimeField(_("earliest delivery/collection time"), null=True, blank=True)
    delivery_latest = models.TimeField(_("latest delivery/collection time"), null=True, blank=True)
    service_minutes = models.PositiveSmallIntegerField(_("minutes needed at the hub or farm"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedVersionedManager(coop="coop")  # bulk writes bump (catalog/apps.py)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["farm_name"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "key"], name="producer_key_unique_per_coop"),
            models.CheckConstraint(
                condition=models.Q(delivery_earliest__isnull=True) | models.Q(delivery_latest__isnull=True)
                | models.Q(delivery_earliest__lt=models.F("delivery_latest")),
                name="producer_delivery_window_ordered",
            ),
        ]

    def __str__(self):
        return self.farm_name

    @property
    def is_organic(self) -> bool:
        return bool(self.organic_control_body)


class BusinessAccount(models.Model):
    """A professional customer (school, care home, restaurant); its people are memberships with `business`.

    The price group lives in catalog.PriceGroupMember (catalogue owns prices). Invoicing reads
    `invoicing_frequency`, `payment_terms_days`, `peppol_id` and `invoice_email`; logistics reads the
    delivery address, days, window, `cooled_delivery_required` and `service_minutes`.
    """

    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        CARE_HOME = "care_home", _("care home")
        RESTAURANT = "restaurant", _("restaurant")
        CANTEEN = "canteen", _("company canteen")
        OTHER = "other", _("other")

    class InvoicingFrequency(models.TextChoices):
        MONTHLY = "monthly", _("one invoice per month")
        PER_DELIVERY = "per_delivery", _("one invoice per delivery")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="business_accounts",
                             db_index=True)
    key = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("company name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    peppol_id = models.CharField(_("Peppol participant id"), max_length=60, blank=True,
                                 help_text=_("scheme:identifier; empty = 0208 with the enterprise number."))
    invoice_email = models.EmailField(_("invoicing e-mail"), blank=True)
    invoicing_frequency = models.CharField(_("invoicing"), max_length=12, choices=InvoicingFrequency.choices,
                                           default=InvoicingFrequency.MONTHLY)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    purchase_order_required = models.BooleanField(_("purchase-order reference required"), default=False)
    minimum_order = models.DecimalField(_("minimum order excl. VAT"), max_digits=8, decimal_places=2, null=True,
                                        blank=True, help_text=_("Empty: the cooperative's minimum."))
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("municipality"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    delivery_days = ArrayField(models.CharField(max_length=3, choices=Weekday.choices), default=list,
                               blank=True, verbose_name=_("delivery days"))
    delivery_from = models.TimeField(_("deliver from"), null=True, blank=True)
    delivery_until = models.TimeField(_("deliver until"), null=True, blank=True)
    entry_instructions = models.TextField(_("dock / entry instructions"), blank=True)
    cooled_delivery_required = models.BooleanField(_("cooled delivery required"), default=False)
    service_minutes = models.PositiveSmallIntegerField(_("minutes to unload"), default=15)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("business account")
        verbose_name_plural = _("business accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "key"], name="business_key_unique_per_coop"),
            models.CheckConstraint(
                condition=models.Q(delivery_from__isnull=True) | models.Q(delivery_until__isnull=True)
                | models.Q(delivery_from__lt=models.F("delivery_until")),
                name="business_delivery_window_ordered",
            ),
            models.CheckConstraint(condition=models.Q(minimum_order__isnull=True) | models.Q(minimum_order__gte=0),
                                   name="business_minimum_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def peppol_endpoint(self) -> str:
        """The Peppol participant id to send invoices to: the stored one, else 0208 + enterprise number."""
        if self.peppol_id:
            return self.peppol_id
        digits = "".join(ch for ch in self.enterprise_number if ch.isdigit())
        return f"0208:{digits}" if digits else ""
