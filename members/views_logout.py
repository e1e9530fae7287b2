"""Logging out on a shared phone: the browser is told to forget what it cached of this site.

`Clear-Site-Data: "cache"` empties the HTTP cache and the back/forward cache, so the back button does not show
the driver's day to the next person. It does not reach the service worker's copy of the driver's pages (Cache
Storage, a "storage" type); static/js/signed_out.js drops that copy on the first page shown after logging out.
"storage" is deliberately not sent: it would also wipe IndexedDB, where driver.js keeps updates not yet sent,
and a proof of delivery must never be lost silently (driver.js warns before logging out while some wait).
"""

from allauth.account.views import LogoutView as AllauthLogoutView


class LogoutView(AllauthLogoutView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response


logout = LogoutView.as_view()
