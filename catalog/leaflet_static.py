"""Serve the Leaflet files that django-leaflet ships (static `leaflet/...`) without importing django-leaflet.

Installing "leaflet" itself makes Django's admin autodiscovery import leaflet.admin, which needs GeoDjango and
the GDAL C library; we only want its JS/CSS/images. This app points at django-leaflet's package directory, so
the static paths are exactly django-leaflet's (`leaflet/leaflet.js`), and nothing of it is imported.
"""

from importlib.util import find_spec

from django.apps import AppConfig


class LeafletStaticConfig(AppConfig):
    name = "catalog.leaflet_static"
    label = "leaflet_static"
    verbose_name = "Leaflet (static files of django-leaflet)"
    path = find_spec("leaflet").submodule_search_locations[0]
