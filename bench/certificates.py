"""Benchmark of certificate PDFs: our pipeline against bare WeasyPrint on the same HTML.

    .venv/bin/python bench/certificates.py [--n 100]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lp_bench_certificates .venv/bin/python bench/certificates.py

Builds N accepted individuals with realistic data (a three-page certificate with its closing page) in a
throw-away test database, then:

- pipeline: certificates.services.certificate_render() for each certificate, which is what the
  Celery task runs: load the row, render the template, make the QR code, WeasyPrint through the
  restricted URL fetcher, store the file and mark the row;
- bare: weasyprint.HTML(string=<the same HTML>).write_pdf() with WeasyPrint's own fetcher, as the same kind
  of document (PDF/A-3b, pdf.PDF_VARIANT); the pipeline also signs the Open Badges 3.0 credential it attaches.

Both run in one warm process after a warm-up document each. The last line is:
    certificates n=N per_doc_ms=<ms> bare_weasyprint_ms=<ms> overhead=<ratio> peak_mb=<MB>
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings_test")

PARAGRAPH = (
    "During the project I {verb} with people from five countries. At first I found it hard to speak up, "
    "but after the first week I led the evening reflection group and learned to listen before answering."
)
VERBS = ["worked", "planned", "argued", "cooked", "painted", "built", "wrote", "travelled", "sang"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    # WeasyPrint logs every step at INFO; a hundred documents' worth would bury the figures.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    media = tempfile.TemporaryDirectory()
    settings.MEDIA_ROOT = media.name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        per_doc_ms, bare_ms, pages = run(args.n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        media.cleanup()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pages per certificate: {pages}")
    print(
        f"certificates n={args.n} per_doc_ms={per_doc_ms:.1f} bare_weasyprint_ms={bare_ms:.1f} "
        f"overhead={per_doc_ms / bare_ms:.2f} peak_mb={peak_mb:.0f}"
    )


def build(n: int) -> list[int]:
    from datetime import date

    from certificates import content, services
    from certificates.models import Individual, Project
    from conftest import make_member
    from organisations.models import Organisation, Role

    org = Organisation.objects.create(name="Bench Youth Network", slug="bench")
    organiser = make_member(org, "organiser@bench.test", Role.ORGANISER)
    project = Project.objects.create(
        organisation=org,
        title="Bridges across the Baltic: a youth exchange on climate and community",
        activity_type="youth_exchange",
        start_date=date(2026, 5, 1),
        end_date=date(2026, 5, 12),
        venue="Tartu, Estonia",
        description="Forty young people from five countries explored how communities adapt to a changing climate.",
        language="en",
        representative_name="Maria Silva",
        representative_role="Director",
        mentor_name="Ana Costa",
        mentor_role="Facilitator",
    )
    ids = []
    for i in range(n):
        data = {
            "first_name": f"Learner{i}",
            "surname": "Example",
            "birth_date": "2004-02-03",
            "birth_place": "Lyon",
            "training_activities": "\n".join(f"Workshop {k}: community mapping and storytelling" for k in range(6)),
            "evidence_1_title": "Our project blog",
            "evidence_1_url": "https://example.test/blog",
            "reference_1_name": "Ana Costa",
            "reference_1_role": "Facilitator",
            "reference_1_contact": "ana@example.test",
        }
        for k, competence in enumerate(content.COMPETENCES):
            data[f"competence_{competence.key}"] = PARAGRAPH.format(verb=VERBS[(i + k) % len(VERBS)])
        individual = Individual.objects.create(
            project=project,
            first_name=data["first_name"],
            surname="Example",
            email=f"learner{i}@bench.test",
            country="FR",
            status=Individual.Status.ACCEPTED,
            accepted_data=content.clean_data(data),
        )
        ids.append(services.certificates._generate(individual, organiser).pk)
    return ids


def run(n: int) -> tuple[float, float, int]:
    import io

    from pypdf import PdfReader
    from weasyprint import HTML

    from certificates import pdf
    from certificates.models import Certificate
    from certificates.services import certificate_render

    ids = build(n + 1)
    certificates = {c.pk: c for c in Certificate.objects.select_related("individual__project__organisation")}
    # The bare run gets exactly the HTML the pipeline renders, prepared outside the timing.
    html = {pk: pdf.certificate_html(certificate) for pk, certificate in certificates.items()}
    base_url = pdf.base_url()

    def bare(pk):
        return HTML(string=html[pk], base_url=base_url).write_pdf(pdf_variant=pdf.PDF_VARIANT)

    warm_pk, ids = ids[0], ids[1:]
    bare(warm_pk)
    certificate_render(certificate_id=warm_pk)
    pages = len(PdfReader(io.BytesIO(bare(warm_pk))).pages)

    # Interleave the two so drift in the machine's speed hits both alike.
    pipeline_s = bare_s = 0.0
    for pk in ids:
        start = time.perf_counter()
        bare(pk)
        bare_s += time.perf_counter() - start
        start = time.perf_counter()
        assert certificate_render(certificate_id=pk)
        pipeline_s += time.perf_counter() - start
    return pipeline_s * 1000 / len(ids), bare_s * 1000 / len(ids), pages


if __name__ == "__main__":
    main()
