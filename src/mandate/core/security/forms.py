from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows now, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not code.isalnum():
            raise forms.ValidationError("Type the code with digits and letters only.")
        return code


class EnrolForm(CodeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].help_text = "The 6-digit code the app shows after you add the account."

    def clean_code(self) -> str:
        code = super().clean_code()
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("Type the 6 digits the app shows.")
        return code


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Username", max_length=150, required=False)
