"""The 14 allergens of Reg. (EU) 1169/2011 Annex II, with our stable codes (never renumber)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Allergen(models.TextChoices):
    GLUTEN = "gluten", _("Cereals containing gluten")
    CRUSTACEANS = "crustaceans", _("Crustaceans")
    EGGS = "eggs", _("Eggs")
    FISH = "fish", _("Fish")
    PEANUTS = "peanuts", _("Peanuts")
    SOYBEANS = "soybeans", _("Soybeans")
    MILK = "milk", _("Milk (including lactose)")
    NUTS = "nuts", _("Nuts")
    CELERY = "celery", _("Celery")
    MUSTARD = "mustard", _("Mustard")
    SESAME = "sesame", _("Sesame seeds")
    SULPHITES = "sulphites", _("Sulphur dioxide and sulphites")
    LUPIN = "lupin", _("Lupin")
    MOLLUSCS = "molluscs", _("Molluscs")


ALLERGEN_CODES = [a.value for a in Allergen]  # Annex II order


class AllergenStatus(models.TextChoices):
    CONTAINS = "contains", _("contains")
    MAY_CONTAIN = "may_contain", _("may contain")
    ABSENT = "absent", _("absent")


UNDECLARED = "undeclared"  # shown as "not yet declared"; never stored
