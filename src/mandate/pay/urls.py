from django.urls import path

from mandate.pay import views

app_name = "pay"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.mine, name="mine"),
    path("me/days/", views.days_record, name="days_record"),
    path("me/days/<int:pk>/remove/", views.day_remove, name="day_remove"),
    path("me/payslips/", views.payslip_record, name="payslip_record"),
    path("me/payslips/<int:pk>/remove/", views.payslip_remove, name="payslip_remove"),
    path("me/payslips/<int:pk>/evidence/", views.payslip_attach, name="payslip_attach"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("branches/<slug:branch>/", views.branch, name="branch"),
    path("branches/<slug:branch>/export.csv", views.branch_export, name="branch_export"),
    path("branches/<slug:branch>/members/<int:pk>/", views.branch_member, name="branch_member"),
    path("branches/<slug:branch>/policies/", views.policies, name="policies"),
]
