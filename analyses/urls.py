from django.urls import path

from analyses import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.analysis_detail, name="analysis-detail"),
    path("projects/<int:pk>/video", views.analysis_video, name="analysis-video"),
]
