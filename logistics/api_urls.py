"""API routes of the hub side."""

urlpatterns: list = []
