"""JSON API for the job queue: list, read and retry jobs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.models import Job
from jobs.serializers import JobDetailSerializer, JobSerializer


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=Job.Status.values),
        OpenApiParameter("job_type", str, enum=Job.Type.values),
        OpenApiParameter("analysis_id", int),
    ]
)
class JobListView(generics.ListAPIView):
    serializer_class = JobSerializer

    def get_queryset(self):
        jobs = Job.objects.for_user(self.request.user).defer("payload")
        params = self.request.query_params

        if "status" in params:
            if params["status"] not in Job.Status.values:
                raise ValidationError(
                    {"status": f"Must be one of {Job.Status.values}."}
                )
            jobs = jobs.filter(status=params["status"])

        if "job_type" in params:
            if params["job_type"] not in Job.Type.values:
                raise ValidationError(
                    {"job_type": f"Must be one of {Job.Type.values}."}
                )
            jobs = jobs.filter(job_type=params["job_type"])

        if "analysis_id" in params:
            try:
                jobs = jobs.filter(analysis_id=int(params["analysis_id"]))
            except ValueError:
                raise ValidationError(
                    {"analysis_id": "Must be a whole number."}
                ) from None

        return jobs


class JobDetailView(generics.RetrieveAPIView):
    serializer_class = JobDetailSerializer

    def get_queryset(self):
        return Job.objects.for_user(self.request.user)


class JobRetryView(APIView):
    @extend_schema(request=None, responses={202: JobDetailSerializer})
    def post(self, request, pk: int):
        job = get_object_or_404(Job.objects.for_user(request.user), pk=pk)
        if not job.retry():
            # Another request may have changed the job since it was read.
            job.refresh_from_db(fields=["status"])
            return Response(
                {
                    "detail": f"Only a failed job can be retried; this one is {job.status}."
                },
                status=status.HTTP_409_CONFLICT,
            )

        return Response(JobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)
