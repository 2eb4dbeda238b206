"""lef-crm-sync: keeps the partner chambers' Google Sheets and the central store
consistent. ``create_app`` is the WSGI application factory."""

from integration.app import create_app

__all__ = ["create_app"]
