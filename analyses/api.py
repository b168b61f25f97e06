"""JSON API for uploads and analysis results."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from analyses import uploads
from analyses.models import Analysis
from analyses.serializers import (
    AnalysisListSerializer,
    AnalysisSerializer,
    UploadSerializer,
)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def read_upload(request, serializer_class):
    """Validate an upload request; raise DRF errors with a clear detail."""
    try:
        uploads.check_declared_size(request)
    except uploads.UploadTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None

    serializer = serializer_class(data=request.data)
    try:
        uploads.check_received_size(request)
    except uploads.UploadTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None

    serializer.is_valid(raise_exception=True)
    try:
        uploads.check_file(serializer.validated_data["file"])
    except uploads.UploadTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None
    except uploads.EmptyUpload as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    return serializer.validated_data


class AnalyzeView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            202: inline_serializer(
                "UploadAccepted",
                {
                    "analysis_id": serializers.IntegerField(),
                    "job_id": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request):
        data = read_upload(request, UploadSerializer)
        analysis, job = uploads.create_analysis(
            request.user, data["file"], data.get("sample_rate")
        )
        return Response(
            {"analysis_id": analysis.pk, "job_id": job.pk},
            status=status.HTTP_202_ACCEPTED,
        )


class AnalysisListView(generics.ListAPIView):
    serializer_class = AnalysisListSerializer

    def get_queryset(self):
        return Analysis.objects.for_user(self.request.user).without_results()


class AnalysisDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = AnalysisSerializer

    def get_queryset(self):
        return Analysis.objects.for_user(self.request.user)


def get_own_analysis(request, pk: int) -> Analysis:
    return get_object_or_404(
        Analysis.objects.for_user(request.user).without_results(), pk=pk
    )
