from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from coop.models import Cooperative
        from coop.versioned import bump_on_save
        from members.models import Producer

        from . import models
        from .services import catalogue_version

        # Everything a product card or price shows (bulk writes too: coop/versioned.py).
        shown = (models.Category, models.DepositItem, models.Product, models.ProductAllergen, models.ProductDeposit,
                 models.ProducerPrice, models.PriceGroup, models.PriceGroupMember, models.CategoryMargin,
                 models.ContractPrice, Producer)
        bump_on_save(shown, lambda row: catalogue_version(row.coop_id), fields=["coop_id"])
        bump_on_save([Cooperative], lambda coop: catalogue_version(coop.pk), fields=["id"])  # default margin
