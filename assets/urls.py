from django.contrib.auth import views as auth_views
from django.urls import path

from assets.views import bulk_actions, exports, imports

from .events import views as events
from .views import asset_list, asset_pages, changes, devices, going_back, login, pages, saved_views, search, types

urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", pages.dashboard, name="dashboard"),
    path("organization/", pages.switch_organization, name="switch_organization"),
    path("assets/", asset_list.asset_list, name="asset_list"),
    path("assets/new/", asset_pages.asset_create, name="asset_create"),
    # bulk actions, export and import of the asset list
    path("assets/bulk/", bulk_actions.bulk_confirm, name="bulk_confirm"),
    path("assets/bulk/apply/", bulk_actions.bulk_apply, name="bulk_apply"),
    path("assets/bulk/count/", bulk_actions.bulk_count, name="bulk_count"),
    path("assets/export/", exports.asset_export, name="asset_export"),
    path("assets/export/<slug:kind>/", exports.organization_export, name="organization_export"),
    path("assets/import/", imports.asset_import, name="asset_import"),
    path("assets/import/<int:job_id>/", imports.import_job, name="asset_import_job"),
    path("assets/import/<int:job_id>/run/", imports.import_run, name="asset_import_run"),
    path("assets/import/<int:job_id>/status/", imports.import_status, name="asset_import_status"),
    path("assets/<int:asset_id>/", asset_pages.asset_detail, name="asset_detail"),
    path("assets/<int:asset_id>/edit/", asset_pages.asset_edit, name="asset_edit"),
    path("assets/<int:asset_id>/delete/", asset_pages.asset_delete, name="asset_delete"),
    path("assets/<int:asset_id>/revert/<int:change_id>/", going_back.asset_revert, name="asset_revert"),
    path("assets/views/open/", saved_views.open_view, name="saved_view_open"),
    path("assets/views/save/", saved_views.save_view, name="saved_view_save"),
    path("assets/columns/", saved_views.choose_columns, name="asset_columns"),
    path("assets/deleted/", going_back.deleted_assets, name="deleted_assets"),
    path("assets/deleted/<int:change_id>/restore/", going_back.asset_restore, name="asset_restore"),
    path("types/", types.type_list, name="type_list"),
    path("types/new/", types.type_create, name="type_create"),
    path("types/<int:type_id>/", types.type_detail, name="type_detail"),
    path("types/<int:type_id>/update/", types.type_update, name="type_update"),
    path("types/<int:type_id>/delete/", types.type_delete, name="type_delete"),
    path("types/<int:type_id>/fields/add/", types.field_add, name="field_add"),
    path("types/<int:type_id>/fields/<slug:code>/", types.field_edit, name="field_edit"),
    path("types/<int:type_id>/fields/<slug:code>/move/", types.field_move, name="field_move"),
    path("types/<int:type_id>/fields/<slug:code>/delete/", types.field_delete, name="field_delete"),
    path("devices/", devices.device_list, name="device_list"),
    path("devices/new/", devices.device_create, name="device_create"),
    path("devices/<int:device_id>/", devices.device_detail, name="device_detail"),
    path("devices/<int:device_id>/edit/", devices.device_edit, name="device_edit"),
    path("devices/<int:device_id>/delete/", devices.device_delete, name="device_delete"),
    path("events/", events.rule_list, name="event_rules"),
    path("events/new/", events.rule_create, name="event_rule_create"),
    path("events/<int:rule_id>/delete/", events.rule_delete, name="event_rule_delete"),
    path("events/<int:rule_id>/deliveries/<int:delivery_id>/redeliver/", events.redeliver, name="event_redeliver"),
    path("search/", search.search_page, name="search"),
    path("search/preview/", search.search_preview, name="search_preview"),
    path("changes/", changes.change_list, name="change_list"),
    path("changes/<slug:object_type>/<int:object_id>/", changes.object_changes, name="object_changes"),
]
