from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from django.db.models.signals import pre_delete

        from coop import versions
        from coop.models import Cooperative
        from coop.versioned import bump_on_save

        from . import request_cache
        from .models import BusinessAccount, Membership, User

        # The request context cached per user (members/request_cache.py): any change to who they are or
        # what they may do in a coop retires it, bulk writes too (coop/versioned.py).
        bump_on_save([User], lambda user: request_cache.person_version(user.pk), fields=["id"])
        bump_on_save([Membership], lambda membership: request_cache.person_version(membership.user_id),
                     fields=["user_id"])
        bump_on_save([Cooperative], lambda coop: request_cache.COOPERATIVES, fields=[])

        def business_account_deleted(sender, instance, **kwargs):
            # Django empties the memberships' business_account with a plain UPDATE of its base manager, which
            # neither sends signals nor goes through coop/versioned.py: their people's context changes here.
            users = Membership._base_manager.filter(business_account=instance).values_list("user_id", flat=True)
            versions.bump_many(request_cache.person_version(user_id) for user_id in users)

        pre_delete.connect(business_account_deleted, sender=BusinessAccount, weak=False,
                           dispatch_uid="members:business-account-deleted")
