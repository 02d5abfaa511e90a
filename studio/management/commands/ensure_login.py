import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Make sure a login exists; print it when this command created it."

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("STUDIO_ADMIN_USER", "researcher")
        credentials = User.objects.filter(is_superuser=True).exists()
        if credentials:
            first = User.objects.filter(is_superuser=True).order_by("id").first()
            self.stdout.write(
                f"Login: existing user {first.username!r} "
                "(reset with: python manage.py changepassword USER)"
            )
            return
        password = os.environ.get("STUDIO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        creds = f"username {username!r}, password {password!r}"
        path = os.path.join("var", "login.txt")
        os.makedirs("var", exist_ok=True)
        with open(path, "w") as handle:
            handle.write(creds + "\n")
        os.chmod(path, 0o600)
        self.stdout.write(self.style.SUCCESS(f"Login created: {creds} (also in {path})"))
