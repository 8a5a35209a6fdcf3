import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.settings")
site = get_wsgi_application()

# Personal voting links skip the site-wide middleware (see mandate.votes.link_handler).
from mandate.votes.link_handler import LinkApp, dispatch  # noqa: E402

application = dispatch(site, LinkApp())
