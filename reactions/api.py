"""JSON API for webcam reactions."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from analyses import uploads
from analyses.api import get_own_analysis, read_upload
from analyses.models import Analysis
from reactions.models import Reaction
from reactions.serializers import ReactionSerializer, ReactionUploadSerializer


class ReactionView(APIView):
    """`POST` takes an analysis id and stores a recording for it; `GET`
    takes a reaction id and returns its results. Both share one path."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ReactionSerializer)
    def get(self, request, pk: int):
        reaction = get_object_or_404(Reaction.objects.for_user(request.user), pk=pk)
        return Response(ReactionSerializer(reaction).data)

    @extend_schema(
        request={"multipart/form-data": ReactionUploadSerializer},
        responses={
            202: inline_serializer(
                "ReactionAccepted",
                {
                    "reaction_id": serializers.IntegerField(),
                    "job": serializers.DictField(),
                    "queue_job_id": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request, pk: int):
        analysis = get_own_analysis(request, pk)
        if analysis.status == Analysis.Status.FAILED:
            return Response(
                {
                    "detail": "This analysis failed, so its video cannot be "
                    "played or reacted to. Retry the analysis or upload the "
                    "video again."
                },
                status=status.HTTP_409_CONFLICT,
            )

        if analysis.media_kind == "image":
            return Response(
                {
                    "detail": "This analysis is of an image, which has no playback "
                    "to react to. Upload a video to record reactions."
                },
                status=status.HTTP_409_CONFLICT,
            )

        data = read_upload(request, ReactionUploadSerializer)
        if analysis.duration is not None and data["offset"] > analysis.duration:
            raise ValidationError(
                {
                    "offset": [
                        f"The offset must be within the video's {analysis.duration:g} "
                        "seconds."
                    ]
                }
            )
        reaction, job = uploads.create_reaction(
            analysis, request.user, data["file"], data["offset"]
        )
        return Response(
            {
                "reaction_id": reaction.pk,
                "job": {"id": job.pk, "status": job.status, "job_type": job.job_type},
                "queue_job_id": job.pk,
            },
            status=status.HTTP_202_ACCEPTED,
        )
