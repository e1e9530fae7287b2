"""People (`User`) and their place in a cooperative (`Membership`, `Invitation`)."""

import secrets

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative


class UserManager(BaseUserManager):
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
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

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

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.coop}"
