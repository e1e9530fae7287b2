from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from coop.models import Cooperative
        from coop.versioned import bump_on_save

        from . import request_cache
        from .models import Membership, User

        # The request context cached per user (members/request_cache.py): any change to who they are or
        # what they may do in a coop retires it, bulk writes too (coop/versioned.py).
        bump_on_save([User], lambda user: request_cache.person_version(user.pk), fields=["id"])
        bump_on_save([Membership], lambda membership: request_cache.person_version(membership.user_id),
                     fields=["user_id"])
        bump_on_save([Cooperative], lambda coop: request_cache.COOPERATIVES, fields=[])
