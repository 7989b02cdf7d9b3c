from typing import Any

from django.core.management.base import BaseCommand

from parley.demo.loader import load_demo


class Command(BaseCommand):
    help = "Loads the demo publication (once) and prints the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        width = max(len(role) for role, _username, _password in logins) + 2
        self.stdout.write(f"{'role':<{width}}{'username':<14}password")
        for role, username, password in logins:
            self.stdout.write(f"{role:<{width}}{username:<14}{password}")
