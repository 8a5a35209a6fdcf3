from django.urls import path

from mandate.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.fund_new, name="new"),
    path("mine/", views.my_claims, name="mine"),
    path("mine/claim/<int:rules_id>/", views.claim_new, name="claim_new"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/claims/", views.fund_claims, name="claims"),
    path("<int:pk>/rules/<slug:dispute>/", views.rules_edit, name="rules"),
    path("<int:pk>/deposit/", views.deposit, name="deposit"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/export.csv", views.batch_csv, name="batch_csv"),
    path("batches/<int:pk>/paid/", views.batch_paid, name="batch_paid"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="decide"),
]
