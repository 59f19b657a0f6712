from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from assets.dialects import quable
from groups.dialects import navixy
from links.dialects import laserfiche, vams

from .api import api
from .url_groups import by_first_segment


@csrf_exempt
def graphql(request, *args, **kwargs):
    """Imports the GraphQL schema on the first /graphql request: building it costs more than a
    second of start-up that the pages and REST never need."""
    from .graphql_http import graphql_view

    return graphql_view(request, *args, **kwargs)


# The REST API first: it takes most requests, and the admin's pattern is one more to try.
urlpatterns = [
    path("api/v1/", by_first_segment(api.urls)),
    path("admin/", admin.site.urls),
    path("compat/navixy/", navixy.api.urls),
    path("compat/vams/", vams.api.urls),
    path("compat/quable/", quable.api.urls),
    path("compat/laserfiche/repository/v1/", laserfiche.api.urls),
    path("graphql", graphql, name="graphql"),
    path("", include("assets.urls")),
    path("groups/", include("groups.urls")),
    path("links/", include("links.urls")),
    path("files/", include("assets.files.urls")),
]

handler403 = "assets.views.errors.forbidden"
handler404 = "assets.views.errors.not_found"
handler500 = "assets.views.errors.server_error"
