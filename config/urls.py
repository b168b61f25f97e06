from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analyses import api as analyses_api
from jobs import api as jobs_api
from reactions import api as reactions_api


def api(view_class):
    """Route an API view past LoginRequiredMiddleware: DRF authenticates it
    and returns 401/403 instead of redirecting to the sign-in page."""
    return login_not_required(view_class.as_view())


urlpatterns = [
    # JSON API, on the paths the product specification fixes.
    path("analyze", api(analyses_api.AnalyzeView), name="api-analyze"),
    path("analyses", api(analyses_api.AnalysisListView), name="api-analysis-list"),
    path(
        "analyses/<int:pk>",
        api(analyses_api.AnalysisDetailView),
        name="api-analysis-detail",
    ),
    path("reactions/<int:pk>", api(reactions_api.ReactionView), name="api-reaction"),
    path("queue/jobs", api(jobs_api.JobListView), name="api-job-list"),
    path("queue/jobs/<int:pk>", api(jobs_api.JobDetailView), name="api-job-detail"),
    path("queue/jobs/<int:pk>/retry", api(jobs_api.JobRetryView), name="api-job-retry"),
    path("api/schema/", api(SpectacularAPIView), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # Accounts and administration.
    path(
        "accounts/login/",
        login_not_required(auth_views.LoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Pages.
    path("", include("analyses.urls")),
]
