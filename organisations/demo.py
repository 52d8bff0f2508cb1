"""Demo organisation and people; safe to run again (get_or_create throughout)."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from organisations.models import Membership, Organisation, Role

DEMO_PASSWORD = "learnerpass-demo"
DEMO_PEOPLE = {
    "admin": ("admin@demo.learnerpass.test", Role.ADMIN),
    "organiser": ("organiser@demo.learnerpass.test", Role.ORGANISER),
    "learning_manager": ("manager@demo.learnerpass.test", Role.LEARNING_MANAGER),
    "learner": ("learner@demo.learnerpass.test", None),
    "learner2": ("learner2@demo.learnerpass.test", None),
}


def demo_user(email: str, *, is_staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email, "is_staff": is_staff})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = is_staff
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def build(context: dict) -> dict:
    org, _ = Organisation.objects.get_or_create(
        slug="demo",
        defaults={
            "name": "Demo Youth Network",
            "contact_email": "hello@demo.learnerpass.test",
            "website": "https://demo.learnerpass.test",
            "description": "A youth organisation running exchanges, training courses and microcredentials.",
        },
    )
    people = {}
    for key, (email, role) in DEMO_PEOPLE.items():
        user = demo_user(email, is_staff=key == "admin")
        if role:
            Membership.objects.get_or_create(organisation=org, user=user, defaults={"role": role})
        people[key] = user
    return {"org": org, **people}
