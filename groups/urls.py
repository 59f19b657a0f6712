from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("roots/", views.roots_partial, name="roots"),
    path("create/", views.create, name="create"),
    path("<int:group_id>/", views.group_page, name="group"),
    path("<int:group_id>/children/", views.children_partial, name="children"),
    path("<int:group_id>/members/", views.members_partial, name="members"),
    path("<int:group_id>/asset-picker/", views.asset_picker, name="asset_picker"),
    path("<int:group_id>/rename/", views.rename, name="rename"),
    path("<int:group_id>/move/", views.move, name="move"),
    path("<int:group_id>/delete/", views.delete, name="delete"),
    path("<int:group_id>/members/add/", views.add_members, name="add_members"),
    path("<int:group_id>/members/<int:asset_id>/remove/", views.remove_member, name="remove_member"),
]
