from django.db import models
from django.utils import timezone

from learnerpass.lib.tokens import hash_token, new_token


class LinkToken(models.Model):
    """Fields and helpers shared by every model reached through a link in an email.

    Only the hash of the token is stored; the raw token exists in the link alone.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True

    def issue_token(self) -> str:
        raw, self.token_hash = new_token()
        return raw

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @classmethod
    def by_token(cls, raw: str):
        return cls.objects.filter(token_hash=hash_token(raw or ""))
