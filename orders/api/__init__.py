"""REST API of the week (cycles, offers, pickup points, orders); routes in orders/api_urls.py."""
