"""Builders that add an app's objects to every test world, and how to fill URL keywords from them.

When you add a URL with a new keyword (e.g. `product_id`), register here how to get that object of a
world; the cross-tenant probe fails for a keyword it does not know, so no view can escape it.
"""

WORLD_BUILDERS: list = []

# keyword -> function(world) -> value, used to aim a URL at that world's object
URL_KWARG_FILLERS = {
    "member_id": lambda w: w.member.pk,
    "job_id": lambda w: w.job.pk,
    "token": lambda w: w.invitation.token,
}
