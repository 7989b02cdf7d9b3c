from django import forms
from django.contrib.auth.forms import UserCreationForm

from parley.accounts.models import User
from parley.text import clean_plain_text

DISPLAY_NAME_HELP = "Shown next to your comments. You can use your real name."


def clean_display_name(value: str) -> str:
    """The public name as stored (parley.text rules), or a refusal when nothing is left."""
    name = clean_plain_text(value, max_length=60)
    if not name:
        raise forms.ValidationError("Choose a name to show with your comments.")
    return name


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(max_length=60, help_text=DISPLAY_NAME_HELP)
    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])


class DisplayNameForm(forms.Form):
    """The account page's name form: the same rules as at sign-up."""

    display_name = forms.CharField(max_length=60, help_text=DISPLAY_NAME_HELP)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])
