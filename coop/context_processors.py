def cooperative(request):
    """The active cooperative and membership, for navigation that shows what the roles allow."""
    membership = getattr(request, "membership", None)
    roles = set(membership.roles) if membership else set()
    return {
        "coop": getattr(request, "coop", None),
        "membership": membership,
        "my_roles": roles,
        "is_coop_manager": bool(roles & {"admin", "fixer"}),
    }
