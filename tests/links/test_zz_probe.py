import pytest

from .test_browser import sign_in, tab  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_probe(live_server, superuser, tab):
    from links.models import LinkType
    LinkType.objects.count()
    sign_in(tab, live_server, superuser, "/")
