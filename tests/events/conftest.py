import pytest

from tests.factories import make_org, make_type, make_user

from .receiver import Receiver


@pytest.fixture(autouse=True)
def private_targets(settings):
    """The receivers here listen on loopback, which rules refuse unless this is on."""
    settings.EVENTS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def receiver_factory():
    made = []

    def make(*args, **kwargs):
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def fast_retries(settings):
    settings.EVENTS_RETRY_BASE_S = 0.05
    settings.EVENTS_TIMEOUT_S = 0.5
    return settings


@pytest.fixture
def fleet(transactional_db):
    org = make_org("translog")
    truck = make_type(org, "delivery_truck", [{"code": "license_plate", "field_type": "STRING"}])
    root = make_user("root", superuser=True)
    return org, truck, root
