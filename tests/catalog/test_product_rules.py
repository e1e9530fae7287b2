"""Product rules enforced by the service, whatever the entry point (portal, import, API)."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from catalog.services import product_save


def test_a_duplicate_product_code_is_a_clear_error(world_a):
    product = world_a.extra["product"]
    with scope(coop=world_a.coop), pytest.raises(ValidationError) as excinfo:
        product_save(producer=world_a.extra["producer"], data={
            "sku": product.sku, "name_nl": "Dubbel", "category": product.category, "sell_unit": "piece"})
    assert "sku" in excinfo.value.message_dict


def test_weighed_goods_need_a_kg_price_and_an_estimate(world_a):
    product = world_a.extra["product"]
    with scope(coop=world_a.coop), pytest.raises(ValidationError) as excinfo:
        product_save(product=product, producer=world_a.extra["producer"], data={"is_weighed": True,
                                                                                "price_unit": "piece"})
    assert "price_unit" in excinfo.value.message_dict
