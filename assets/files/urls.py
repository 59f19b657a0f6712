from django.urls import path

from . import views

app_name = "asset_files"

urlpatterns = [
    path("assets/<int:asset_id>/upload/", views.upload, name="upload"),
    path("assets/<int:asset_id>/remote/", views.set_remote, name="set_remote"),
    path("assets/<int:asset_id>/delete/", views.delete, name="delete"),
    # kind: original | thumbnail | preview (anything else is a 404)
    path("assets/<int:asset_id>/<slug:kind>/", views.serve_file, name="serve"),
]
