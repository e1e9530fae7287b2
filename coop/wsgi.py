import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings.prod")
django.setup(set_prefix=False)

from coop.resolving import ProjectWSGIHandler  # noqa: E402 - after setup, as get_wsgi_application does it

application = ProjectWSGIHandler()  # Django's, resolving each path once (coop/resolving.py)
