"""Page URLs. The JSON API's URLs are in config/urls.py."""

from django.urls import include, path

from analyses import views
from jobs import views as job_views

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("", views.home, name="home"),
    path("projects/list", views.project_list, name="project-list"),
    path("projects/upload", views.upload_video, name="upload-video"),
    path("projects/<int:pk>/", views.analysis_detail, name="analysis-detail"),
    path("projects/<int:pk>/card", views.analysis_card, name="analysis-card"),
    path("projects/<int:pk>/job", views.job_panel, name="analysis-job"),
    path("projects/<int:pk>/results", views.analysis_results, name="analysis-results"),
    path("projects/<int:pk>/retry", views.retry_analysis, name="analysis-retry"),
    path("projects/<int:pk>/video", views.analysis_video, name="analysis-video"),
    path(
        "projects/<int:pk>/thumbnail",
        views.analysis_thumbnail,
        name="analysis-thumbnail",
    ),
    path("queue/widget", job_views.queue_widget, name="queue-widget"),
    path("", include("reactions.urls")),
]
