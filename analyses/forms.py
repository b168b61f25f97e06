from __future__ import annotations

from django import forms

# What the file picker offers; the worker decides what it can really read.
ACCEPTED_TYPES = "video/*,image/jpeg,image/png"


class UploadForm(forms.Form):
    # Empty files pass the form so that `create_analysis` rejects them with
    # the same message as the JSON API.
    video = forms.FileField(
        label="Video",
        allow_empty_file=True,
        help_text="An MP4, WebM or MOV video, or a JPEG or PNG image.",
        widget=forms.FileInput(attrs={"accept": ACCEPTED_TYPES}),
    )

    @classmethod
    def rejected(cls, message: str) -> UploadForm:
        """Return a form that shows `message` as the file field's only error,
        for a request rejected before its body was read."""
        form = cls(data={})
        form.full_clean()
        form.errors["video"] = form.error_class([message])
        return form
