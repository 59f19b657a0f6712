from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "assets.events"
    label = "events"
    verbose_name = "Events"
