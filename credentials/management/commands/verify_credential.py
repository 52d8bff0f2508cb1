import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credentials.verification import UnreadableCredential, credential_from_bytes, verify_credential


class Command(BaseCommand):
    help = (
        "Check a credential file (JSON) or a certificate PDF offline: signature, issuer, dates and status. "
        "Exits 0 when every check passes, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .json credential or a certificate .pdf ('-' reads standard input)")

    def handle(self, *args, file, **options):
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            credential = credential_from_bytes(data)
        except UnreadableCredential as exc:
            raise CommandError(str(exc)) from None
        report = verify_credential(credential)
        for check in report.checks:
            mark = "PASS" if check.ok else "FAIL"
            self.stdout.write(f"{mark}  {check.label}: {check.detail}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("The credential verifies."))
        else:
            raise CommandError("The credential does not verify.", returncode=1)
