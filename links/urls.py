from django.urls import path

from . import views

app_name = "links"

urlpatterns = [
    path("panel/<int:asset_id>/", views.panel, name="panel"),
    path("panel/<int:asset_id>/add/", views.add_link, name="add"),
    path("link/<int:link_id>/edit/", views.edit_link, name="edit"),
    path("link/<int:link_id>/delete/", views.delete_link, name="delete"),
    path("picker/", views.picker, name="picker"),
    path("hierarchy/<int:asset_id>/", views.hierarchy, name="hierarchy"),
    path("hierarchy/<int:asset_id>/children/", views.hierarchy_children, name="hierarchy_children"),
]
