"""Hub and producer pages of the cut-off (mounted at /<coop_slug>/hub/ by logistics/urls.py)."""
