import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The URLconf (and the API it builds) loads here rather than on the first request, then every
# object of start-up is moved out of the garbage collector's sight: its full collections had
# walked them all, ~15 % of a 1,000-row list request (a gc.freeze() measured in process).
import_module(settings.ROOT_URLCONF)
gc.freeze()
