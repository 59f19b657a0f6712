from django.contrib import admin
from django.urls import include, path

from assets.dialects import quable
from groups.dialects import navixy
from links.dialects import laserfiche, vams

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("compat/navixy/", navixy.api.urls),
    path("compat/vams/", vams.api.urls),
    path("compat/quable/", quable.api.urls),
    path("compat/laserfiche/repository/v1/", laserfiche.api.urls),
    path("", include("assets.urls")),
    path("groups/", include("groups.urls")),
    path("links/", include("links.urls")),
    path("files/", include("assets.files.urls")),
]

handler403 = "assets.views.errors.forbidden"
handler404 = "assets.views.errors.not_found"
handler500 = "assets.views.errors.server_error"
