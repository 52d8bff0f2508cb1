"""What a certificate says: the fields a learner writes, grouped as the form and the PDF show them.

Certificate data is a flat dict of strings keyed by these names, so drafts, submissions and accepted
data compare field by field and an organiser's comment attaches to one key.
"""

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

EVIDENCE_ROWS = 5
REFERENCE_ROWS = 3
# The name is personal data the learner writes, and the individual's name too: one value (see Individual).
NAME_KEYS = ("first_name", "surname")


@dataclass(frozen=True)
class Competence:
    key: str
    title: str
    description: str
    question: str


# The eight key competences for lifelong learning (Council of the European Union, 22 May 2018), under their
# full names, each with a short description of what it covers, and "other".
COMPETENCES = [
    Competence(
        "literacy",
        _("Literacy competence"),
        _(
            "Understanding, expressing, creating and interpreting ideas, feelings and facts, in speech and in "
            "writing, with visual, sound and digital material."
        ),
        _("How did you improve in understanding, expressing and discussing ideas, in speech and in writing?"),
    ),
    Competence(
        "multilingual",
        _("Multilingual competence"),
        _("Using different languages, including ones you are learning, to communicate well with others."),
        _("Which languages did you use or learn, and how did you manage to communicate across languages?"),
    ),
    Competence(
        "stem",
        _("Mathematical competence and competence in science, technology and engineering"),
        _(
            "Using mathematical thinking and the knowledge and methods of science and technology to solve "
            "problems and explain the world around you."
        ),
        _("Where did you use logical thinking, numbers, evidence or technical skills, and what did you learn?"),
    ),
    Competence(
        "digital",
        _("Digital competence"),
        _(
            "Using digital technologies confidently, critically and responsibly to learn, work and take part in "
            "society, including creating content and staying safe."
        ),
        _("Which digital tools did you use to create, share or find information, and how safely?"),
    ),
    Competence(
        "personal",
        _("Personal, social and learning to learn competence"),
        _(
            "Reflecting on yourself, managing time and information, working well with others, staying resilient "
            "and managing your own learning."
        ),
        _("What did you learn about yourself, working with others and the way you learn best?"),
    ),
    Competence(
        "citizenship",
        _("Citizenship competence"),
        _(
            "Acting as a responsible citizen and taking part in civic and social life, understanding how society, "
            "the economy, law and politics work, and caring for sustainability."
        ),
        _("How did you take part in your community or society, and what did you understand about it?"),
    ),
    Competence(
        "entrepreneurship",
        _("Entrepreneurship competence"),
        _(
            "Acting on opportunities and ideas and turning them into something of value for others, with "
            "creativity, initiative and perseverance."
        ),
        _("Which ideas did you turn into action, and how did you plan, take initiative or handle risk?"),
    ),
    Competence(
        "cultural",
        _("Cultural awareness and expression competence"),
        _(
            "Understanding and respecting how ideas and meaning are expressed creatively in different cultures, "
            "through the arts and other cultural forms, and expressing your own."
        ),
        _("How did you express yourself creatively or learn about other cultures?"),
    ),
    Competence(
        "other",
        _("Other competences"),
        _("What you learned that does not fit one of the eight key competences."),
        _("Anything else you learned that does not fit the competences above?"),
    ),
]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    group: str
    long: bool = False  # long texts are compared word by word


GROUP_PERSONAL = _("Personal data")
GROUP_PROJECT = _("Your part in the project")
GROUP_COMPETENCES = _("Self-assessment")
GROUP_EVIDENCE = _("Further evidence")
GROUP_REFERENCES = _("References")


def _fields() -> list[Field]:
    fields = [
        Field("first_name", _("First name"), GROUP_PERSONAL),
        Field("surname", _("Surname"), GROUP_PERSONAL),
        Field("birth_date", _("Birth date"), GROUP_PERSONAL),
        Field("birth_place", _("Birth place"), GROUP_PERSONAL),
        Field("tasks", _("Tasks"), GROUP_PROJECT, long=True),
        Field("training_activities", _("Training activities"), GROUP_PROJECT, long=True),
    ]
    fields += [Field(f"competence_{c.key}", c.title, GROUP_COMPETENCES, long=True) for c in COMPETENCES]
    for n in range(1, EVIDENCE_ROWS + 1):
        fields += [
            Field(f"evidence_{n}_title", format_lazy(_("Evidence {n}: title"), n=n), GROUP_EVIDENCE),
            Field(f"evidence_{n}_url", format_lazy(_("Evidence {n}: link"), n=n), GROUP_EVIDENCE),
        ]
    for n in range(1, REFERENCE_ROWS + 1):
        fields += [
            Field(f"reference_{n}_name", format_lazy(_("Reference {n}: name"), n=n), GROUP_REFERENCES),
            Field(f"reference_{n}_role", format_lazy(_("Reference {n}: role"), n=n), GROUP_REFERENCES),
            Field(f"reference_{n}_contact", format_lazy(_("Reference {n}: email or phone"), n=n), GROUP_REFERENCES),
        ]
    return fields


FIELDS = _fields()
FIELD_KEYS = [f.key for f in FIELDS]
FIELDS_BY_KEY = {f.key: f for f in FIELDS}


def clean_data(data: dict | None) -> dict[str, str]:
    """Keep only known keys, as stripped strings, so stored snapshots have one shape."""
    data = data or {}
    return {key: str(data.get(key) or "").strip() for key in FIELD_KEYS}


def evidence(data: dict) -> list[dict]:
    rows = []
    for n in range(1, EVIDENCE_ROWS + 1):
        url = data.get(f"evidence_{n}_url", "")
        if url:
            rows.append({"title": data.get(f"evidence_{n}_title", "") or url, "url": url})
    return rows


def references(data: dict) -> list[dict]:
    rows = []
    for n in range(1, REFERENCE_ROWS + 1):
        name = data.get(f"reference_{n}_name", "")
        if name:
            rows.append(
                {
                    "name": name,
                    "role": data.get(f"reference_{n}_role", ""),
                    "contact": data.get(f"reference_{n}_contact", ""),
                }
            )
    return rows


def competences(data: dict) -> list[dict]:
    return [
        {"key": c.key, "title": c.title, "text": data.get(f"competence_{c.key}", "")}
        for c in COMPETENCES
        if data.get(f"competence_{c.key}", "")
    ]
