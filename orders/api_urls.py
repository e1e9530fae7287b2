"""URL patterns (filled in by the webshop work)."""

urlpatterns: list = []
