"""Tenancy core: which cooperative a request or task works for, and who may do what there.

The one rule (DESIGN.md section 3): tenant-owned models use django-scopes' ScopedManager, so a query
without an active cooperative raises ScopeError. Requests enter the scope in `CooperativeMiddleware`,
Celery tasks in `CoopTask`; nothing else may disable scopes in a request path.
"""
