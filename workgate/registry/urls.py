from django.urls import path

from workgate.registry.views import employees, enterprises, imports

app_name = "registry"

urlpatterns = [
    path("enterprises/", enterprises.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", enterprises.enterprise_create, name="enterprise_create"),
    path("enterprises/<int:pk>/", enterprises.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", enterprises.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<int:pk>/parts/", enterprises.part_add, name="part_add"),
    path(
        "enterprises/<int:pk>/parts/<str:kind>/<int:part_pk>/remove/",
        enterprises.part_remove,
        name="part_remove",
    ),
    path(
        "enterprises/<int:enterprise_pk>/employees/new/",
        employees.employee_new,
        name="employee_new",
    ),
    path(
        "enterprises/<int:enterprise_pk>/imports/new/",
        imports.upload,
        name="import_upload",
    ),
    path("employees/", employees.employee_list, name="employee_list"),
    path("employees/export/", employees.export_start, name="employee_export"),
    path("employees/<int:pk>/", employees.employee_file, name="employee_file"),
    path("employees/<int:pk>/edit/", employees.employee_edit, name="employee_edit"),
    path("employees/<int:pk>/reveal/<str:field>/", employees.reveal, name="reveal"),
    path("employees/<int:pk>/travel/", employees.travel_add, name="travel_add"),
    path("me/", employees.own_file, name="own_file"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<uuid:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<uuid:pk>/check/", imports.import_check, name="import_check"),
    path("imports/<uuid:pk>/run/", imports.import_run, name="import_run"),
    path("imports/<uuid:pk>/report/", imports.import_report, name="import_report"),
]
