"""URL patterns (filled in by the catalogue work)."""

urlpatterns: list = []
