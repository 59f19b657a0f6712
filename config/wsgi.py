import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.startup import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The URLconf (and the API it builds) loads here rather than on the first request, then what
# start-up made is frozen (config.startup).
import_module(settings.ROOT_URLCONF)
freeze_startup_objects()
