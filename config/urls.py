from django.contrib import admin
from django.urls import include, path

from .api import api
from .graphql import schema
from .graphql_http import RepositoryGraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("graphql", RepositoryGraphQLView.as_view(schema=schema), name="graphql"),
    path("", include("assets.urls")),
    path("groups/", include("groups.urls")),
    path("links/", include("links.urls")),
    path("files/", include("assets.files.urls")),
]

handler403 = "assets.views.errors.forbidden"
handler404 = "assets.views.errors.not_found"
handler500 = "assets.views.errors.server_error"
