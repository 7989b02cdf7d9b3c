from django import forms
from django.contrib.auth.forms import UserCreationForm

from parley.accounts.models import User
from parley.text import clean_plain_text


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        max_length=60, help_text="Shown next to your comments. You can use your real name."
    )
    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")

    def clean_display_name(self) -> str:
        name = clean_plain_text(self.cleaned_data["display_name"], max_length=60)
        if not name:
            raise forms.ValidationError("Choose a name to show with your comments.")
        return name
