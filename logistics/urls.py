"""Hub and producer pages of the cut-off (filled in by the hub pages work)."""

urlpatterns: list = []
