"""What the French tests share: a reader of the PO catalogue, the texts a page shows, the English checks,
and an organisation whose data is written in French (so any English on its pages is the interface's).

The catalogue is read with a small parser of the PO format, so no gettext tools are needed to run the tests.
"""

import ast
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.utils import timezone

LOCALE = Path(settings.BASE_DIR, "locale", "fr", "LC_MESSAGES")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def forms(self) -> list[tuple[str, str]]:
        """(English source, French text) for each form: msgstr[0] renders the singular, the others the plural."""
        return [(self.msgid if n == 0 else self.msgid_plural, text) for n, text in sorted(self.msgstr.items())]

    @property
    def translated(self) -> bool:
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(text for _source, text in self.forms)


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file (the header, msgid "", left out)."""
    entries, entry, target = [], Entry(), ""
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
        if not line.strip():
            if entry.msgid:
                entries.append(entry)
            entry, target = Entry(), ""
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _add(entry, target, ast.literal_eval(line))
        else:
            target, _space, value = line.partition(" ")
            _add(entry, target, ast.literal_eval(value))
    return entries


def _add(entry: Entry, target: str, text: str) -> None:
    """Append a string to the field a keyword line started (continuation lines add to the same field)."""
    if target.startswith("msgstr"):
        index = int(target[7:-1]) if target.startswith("msgstr[") else 0
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    elif target == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif target in ("msgid", "msgid_plural"):
        setattr(entry, target, getattr(entry, target) + text)


def french_catalogue() -> list[Entry]:
    return read_po(LOCALE / "django.po")


# Words of almost every English sentence and of no French one.
ENGLISH_WORDS = re.compile(r"\b(the|and|with|your|you|this|that|of|to|is|are|for|from|by|has|have|was|were|not|at)\b")
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "data-confirm", "data-send-error", "data-copied-label"}
# Code, file and column names read the same in every language; scripts and drawings are not read.
NOT_PROSE = {"script", "style", "code", "pre", "svg"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


class _ShownText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in NOT_PROSE:
            self.hidden += 1
        if not self.hidden:
            self.texts += [" ".join(value.split()) for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in NOT_PROSE:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def shown_texts(html: str) -> list[str]:
    """The texts a person reads or hears on a page: text nodes and the attributes shown or read out."""
    parser = _ShownText()
    parser.feed(html)
    return parser.texts


def english_phrases(catalogue: list[Entry]) -> list[str]:
    """Phrases of the English sources that no French text contains: seen on a French page, they leaked."""
    french = " ".join(text for entry in catalogue for _source, text in entry.forms)
    phrases = set()
    for entry in catalogue:
        for source in (entry.msgid, entry.msgid_plural):
            for piece in re.split(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|<[^>]+>|\n", source):
                piece = " ".join(piece.split()).strip(" .,:;()“”")
                if len(piece.split()) >= 2 and len(piece) >= 8 and piece not in french:
                    phrases.add(piece)
    return sorted(phrases)


def english_on(html: str, catalogue: list[Entry]) -> dict[str, list[str]]:
    """English on a page meant to be French: phrases of translated strings, and English sentences anywhere."""
    texts = shown_texts(html)
    return {
        "untranslated": [phrase for phrase in english_phrases(catalogue) if any(phrase in text for text in texts)],
        "english": [text for text in texts if ENGLISH_WORDS.search(text)],
    }


UPLOAD_ROWS = [
    "external_learner_id,email,program_code,program_run_code,expiry_time",
    "E-0100,margot@exemple.test,MC-DONNEES,2026-PRINTEMPS,{expiry}",
    "E-0101,pas-une-adresse,MC-INCONNU,2026-PRINTEMPS,2026-02-30 10:00:00",
]


def upload_with_errors(expiry: str) -> bytes:
    """A CSV with a good row and a bad one (unknown program, malformed address, a day that does not exist)."""
    return "\n".join(UPLOAD_ROWS).format(expiry=expiry).encode()


def build_french_world(*, org, organiser, learning_manager, learner) -> dict:
    """Programs, a certificates project and badges of `org`, written in French; `learner` takes part in each.

    Built through the apps' services, as people would; emails and renders run after commit.
    """
    from badges import services as badges
    from badges.models import Playlist, Quest, Task
    from certificates import services as certificates
    from certificates.models import ActivityType, Individual, Project
    from certificates.tests.factories import accepted, editing, full_data, submitted
    from conftest import make_user
    from programs import services as programs
    from programs.models import LearnerLink, Program, ProgramRun

    org.name, org.description = "Réseau Jeunesse Solidaire", "Échanges, formations et microcertifications."
    org.save()

    # Programs: a microcredential with a pending invitation, and a degree the learner is enrolled on.
    micro = Program.objects.create(organisation=org, code="MC-DONNEES", name="Culture des données")
    spring = ProgramRun.objects.create(
        program=micro, code="2026-PRINTEMPS", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )
    degree = Program.objects.create(
        organisation=org, code="LIC-ANIM", name="Licence d’animation", kind=Program.Kind.DEGREE
    )
    year = ProgramRun.objects.create(
        program=degree, code="2026-27", starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30)
    )
    programs.invitation_create(
        program=micro,
        runs=[spring],
        external_learner_id="E-0042",
        email="camille@exemple.test",
        valid_until=timezone.now() + timedelta(days=10),
        created_by=learning_manager,
    )
    LearnerLink.objects.create(organisation=org, external_learner_id="E-0001", user=learner)
    programs.enrolment_create_direct(
        program=degree, runs=[year], external_learner_id="E-0001", created_by=learning_manager
    )

    # Certificates: an individual in each state; the learner's data accepted, with a certificate.
    project = Project.objects.create(
        organisation=org,
        title="Ponts entre cultures",
        activity_type=ActivityType.YOUTH_EXCHANGE,
        start_date=date(2026, 5, 1),
        end_date=date(2026, 5, 10),
        venue="Lyon",
        description="Dix jours d’échanges.",
        language="fr",
        representative_name="Claire Dubois",
        representative_role="Présidente",
    )

    def individual(first_name: str, surname: str, email: str) -> Individual:
        return Individual.objects.create(
            project=project,
            email=email,
            first_name=first_name,
            surname=surname,
            country="FR",
            accepted_data={"first_name": first_name, "surname": surname},
        )

    individual("Jules", "Bernard", "jules@exemple.test")
    editing(individual("Inès", "Moreau", "ines@exemple.test"), make_user("ines@exemple.test"), organiser)
    submitted(individual("Hugo", "Petit", "hugo@exemple.test"), make_user("hugo@exemple.test"), organiser)
    mine = accepted(
        individual("Léa", "Martin", learner.email),
        learner,
        organiser,
        data=full_data(
            tasks="Animer l’atelier\nÉcrire le blog",
            training_activities="Atelier d’animation",
            competence_personal="J’ai appris à animer une discussion.",
            evidence_1_title="Mon blog",
        ),
    )
    certificates.certificate_generate(individual=mine, generated_by=organiser)

    # Badges: a published activity the learner holds, another under way, and a playlist of both.
    def activity(title: str):
        created = badges.activity_create(
            organisation=org,
            user=organiser,
            data={"title": title, "description": f"{title} : une journée dehors.", "criteria": "Participer."},
        )
        badges.activity_publish(activity=created, user=organiser)
        created.refresh_from_db()
        return created

    first_aid, river = activity("Premiers secours"), activity("Sécurité en rivière")
    badges.badge_issue_to_emails(badge=first_aid.badge, text=learner.email, issued_by=organiser)
    task = badges.task_create(
        badge=river.badge,
        user=organiser,
        title="Racontez votre sortie",
        evidence_kind=Task.Evidence.TEXT,
        approval=Task.Approval.ORGANISER,
    )
    Quest.objects.create(badge=river.badge, learner=learner)  # as following the badge's link starts it
    badges.evidence_submit(task=task, learner=learner, text="Nous avons descendu la rivière.")
    playlist = badges.playlist_create(
        organisation=org,
        user=organiser,
        data={"title": "Animateur nature", "description": "Les deux badges.", "rule": Playlist.Rule.ALL},
        activity_ids=[first_aid.pk, river.pk],
    )
    badges.playlist_publish(playlist=playlist, user=organiser)
    return {"project": project, "program": micro, "degree": degree}
