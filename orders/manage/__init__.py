"""The fixer's pages under /<coop>/manage/ (cycles, schedules, pickup points, delivery zones, orders and
payments) and the producers' offer pages under /<coop>/manage/offers/. Routes: orders/urls_manage.py."""
