"""The FHIR export validates against the fhir.resources R4B models and maps what it should."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kneecoach.domain.exercises import Catalogue
from kneecoach.reports.current import current
from kneecoach.reports.export import export_document
from kneecoach.reports.fhir import NPRS_CODE, fhir_bundle
from kneecoach.services.actor import OWNER
from kneecoach.store.db import database
from tests.reports.cli import kc


def test_bundle_validates_and_maps(demo: tuple[str, dt.date], catalogue: Catalogue) -> None:
    url, last = demo
    db = database(url)
    newest = db.revision()
    assert newest is not None
    document = export_document(db, newest[0], actor=OWNER)
    now = current(db, catalogue, newest[0], last, actor=OWNER)
    bundle = fhir_bundle(document, now, catalogue)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    by_type: dict[str, list[dict]] = {}
    for resource in resources:
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert len(by_type["Patient"]) == 1

    observations = [Observation.model_validate(r) for r in by_type["Observation"]]
    assert all(o.code.coding[0].code == NPRS_CODE for o in observations)
    assert all(o.code.coding[0].system == "http://loinc.org" for o in observations)
    assert len(observations) == len(document["checkins"]) + 2 * len(document["sessions"])
    checkin_scores = sorted(c["pain"] for c in document["checkins"])
    assert checkin_scores == sorted(
        o.valueInteger for o in observations if "check-in" in str(o.note[0].text).lower()
    )

    (plan,) = [CarePlan.model_validate(r) for r in by_type["CarePlan"]]
    planned = {item.exercise_id for session in now.week for b in session.blocks for item in b.items}
    assert {a.detail.code.coding[0].code for a in plan.activity} == planned
    assert all(a.detail.description for a in plan.activity)

    responses = [QuestionnaireResponse.model_validate(r) for r in by_type["QuestionnaireResponse"]]
    kinds = [str(r.questionnaire).rsplit(":", 1)[1] for r in responses]
    assert kinds.count("psfs") == len(document["psfs"])
    answered_again = sum(1 for c in document["checkins"] if c["answers"])
    assert kinds.count("screening") == 1 + answered_again
    intake = next(r for r in responses if str(r.questionnaire).endswith("screening"))
    assert {i.linkId for i in intake.item} == set(document["person"]["screening"])
    # Every reference points at a resource inside the Bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(r["subject"]["reference"] in urls for r in resources if "subject" in r)


def test_cli_writes_a_valid_bundle(demo: tuple[str, dt.date], tmp_path: Path) -> None:
    url, _ = demo
    out = tmp_path / "fhir.json"
    done = kc("export", "--format", "fhir", "--out", str(out), "--db", url, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resources"] > 10
    Bundle.model_validate_json(out.read_text())
