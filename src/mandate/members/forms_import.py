"""The import wizard's upload form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from mandate.members.importing import size_error


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        # An empty file reaches the importer, which says so in the same words as the command.
        allow_empty_file=True,
        label="Register file (CSV or XLSX)",
        help_text="A CSV saved as UTF-8 or Windows-1252, or an Excel .xlsx workbook.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}),
    )
    sheet = forms.CharField(
        label="Sheet (workbooks with several sheets only)",
        required=False,
        max_length=100,
        help_text="The name of the sheet to import, as shown on its tab.",
    )

    def clean_file(self) -> Any:
        upload: UploadedFile = self.cleaned_data["file"]
        # Refused on the size Django already knows, before the content is read into memory.
        too_big = size_error(upload.size or 0)
        if too_big:
            raise forms.ValidationError(too_big)
        return upload
