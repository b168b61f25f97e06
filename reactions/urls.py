"""Page URLs for recording reactions; included from analyses/urls.py."""

from django.urls import path

from reactions import views

urlpatterns = [
    path(
        "projects/<int:analysis_pk>/record/",
        views.record_reaction,
        name="reaction-record",
    ),
    path(
        "projects/<int:analysis_pk>/reactions/<int:pk>/status",
        views.reaction_status,
        name="reaction-status",
    ),
    path(
        "projects/<int:analysis_pk>/reactions/<int:pk>/retry",
        views.retry_reaction,
        name="reaction-retry",
    ),
]
