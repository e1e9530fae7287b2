"""The authentication backends of settings.AUTHENTICATION_BACKENDS: Django's and allauth's, with the user of
a session read from the cache (members/request_cache.py) instead of a query on every request. Logging in
(authenticate) is unchanged; Django still checks the session's password hash against the user it gets."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from . import request_cache


class _CachedUser:
    def get_user(self, user_id):
        return request_cache.user(user_id, super().get_user)


class ModelBackend(_CachedUser, DjangoModelBackend):
    pass


class AuthenticationBackend(_CachedUser, AllauthBackend):
    pass
