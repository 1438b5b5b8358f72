"""Clinic mode's one policy table: (route, role, relation to the patient) -> allow or deny.

Every request in clinic mode is checked against it before its route runs (`ClinicGate`
in `web/clinic/auth.py`), in the order issue 12 fixes:

1. no live session: 401 (a page asked for with GET is sent to `/login` instead);
2. a role the route never serves: 403;
3. a route about one patient (`{patient_id}` in its path) and a patient outside the
   actor's scope, or none: 404, alike; an admin on a physio-only route: 403;
4. then the route itself checks its input (422).

Refusals 2 and 3 each leave one `denied` audit event naming the patient id asked for.
The relation comes from the session's account only (`services.clinic.relation`): ids in
the request select within that scope and never widen it. A route with no entry here is
refused (403) and fails the authorization matrix (tests/clinic_web/test_matrix.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kneecoach.services.clinic import Relation

Role = Literal["patient", "physio", "admin"]
Outcome = Literal["allow", "unauthenticated", "forbidden", "hidden"]
ROLES: tuple[Role, ...] = ("patient", "physio", "admin")
STAFF: frozenset[Role] = frozenset({"physio", "admin"})
EVERYONE: frozenset[Role] = frozenset(ROLES)
PATIENT: frozenset[Role] = frozenset({"patient"})
ADMIN: frozenset[Role] = frozenset({"admin"})
PHYSIO: frozenset[Role] = frozenset({"physio"})
NOBODY: frozenset[Role] = frozenset()
SCOPE_PARAMETER = "patient_id"


@dataclass(frozen=True)
class Rule:
    """Who may use one route. `public`: anyone, signed in or not. `relations`, for a route
    about one patient: what each relation of the actor to that patient gets (a relation
    not named is `hidden`, a 404 like a missing patient)."""

    roles: frozenset[Role] = NOBODY
    public: bool = False
    relations: Mapping[Relation, Outcome] | None = field(default=None)

    @property
    def scoped(self) -> bool:
        return self.relations is not None


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(roles=EVERYONE)
PATIENT_ONLY = Rule(roles=PATIENT)  # the personal-mode routes: a patient, for themselves
ADMIN_ONLY = Rule(roles=ADMIN)
STAFF_ONLY = Rule(roles=STAFF)
NOT_IN_CLINIC = Rule(roles=NOBODY)  # personal-mode routes a clinic does not offer
# A patient's record: their physio and their clinic's admins.
RECORD = Rule(roles=STAFF, relations={"physio": "allow", "admin": "allow"})
# Clinical data is for the patient's physio; an admin who is not it gets 403.
CLINICAL = Rule(roles=STAFF, relations={"physio": "allow", "admin": "forbidden"})
# Assigning: admins only, for any patient of their clinic (their own too).
ASSIGNMENT = Rule(roles=ADMIN, relations={"physio": "allow", "admin": "allow"})
# Alerts are clinical data: physios only, each sees their own patients' (an admin: 403).
PHYSIO_ONLY = Rule(roles=PHYSIO)

Key = tuple[str, str]  # (method, path template as the app declares it)

POLICY: dict[Key, Rule] = {
    # always open
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/static"): PUBLIC,  # the mount: CSS, scripts, the icon
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/invites/{token}"): PUBLIC,
    ("POST", "/api/v1/invites/{token}/accept"): PUBLIC,
    # the clinic's pages before sign-in (web/clinic/pages.py)
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/invite/{token}"): PUBLIC,
    ("GET", "/invite"): PUBLIC,
    ("POST", "/invite"): PUBLIC,
    ("GET", "/enrol"): PUBLIC,  # a new staff member's first sign-in, with the new code
    ("POST", "/enrol"): PUBLIC,
    # any signed-in account
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/openapi.json"): SIGNED_IN,
    ("GET", "/docs"): SIGNED_IN,
    ("GET", "/docs/oauth2-redirect"): SIGNED_IN,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("POST", "/api/v1/auth/totp"): PATIENT_ONLY,  # staff have their code from the start
    ("GET", "/api/v1/exercises"): SIGNED_IN,
    ("GET", "/api/v1/exercises/{exercise_id}"): SIGNED_IN,
    ("GET", "/figures/{exercise_id}.svg"): SIGNED_IN,
    ("GET", "/figures/{exercise_id}/strip.svg"): SIGNED_IN,
    # staff and invites, patients, the audit trail
    ("POST", "/api/v1/staff/invites"): ADMIN_ONLY,
    ("POST", "/api/v1/patients"): STAFF_ONLY,
    ("GET", "/api/v1/patients"): STAFF_ONLY,
    ("GET", "/api/v1/patients/{patient_id}"): RECORD,
    ("POST", "/api/v1/patients/{patient_id}/assign"): ASSIGNMENT,
    ("GET", "/api/v1/patients/{patient_id}/today"): CLINICAL,
    ("GET", "/api/v1/patients/{patient_id}/progress"): CLINICAL,
    ("GET", "/api/v1/patients/{patient_id}/history"): CLINICAL,
    # the physiotherapist's day (issue 13): alerts, prescribing, templates
    ("GET", "/api/v1/alerts"): PHYSIO_ONLY,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): PHYSIO_ONLY,  # the route checks the patient
    ("PUT", "/api/v1/patients/{patient_id}/programme"): CLINICAL,
    ("POST", "/api/v1/patients/{patient_id}/programme/template"): CLINICAL,
    ("GET", "/api/v1/patients/{patient_id}/fhir"): CLINICAL,
    ("GET", "/api/v1/templates"): STAFF_ONLY,
    ("POST", "/api/v1/templates"): STAFF_ONLY,  # the route checks `from_patient_id`
    ("GET", "/api/v1/audit"): ADMIN_ONLY,
    ("GET", "/api/v1/audit.csv"): ADMIN_ONLY,
    # the clinic's pages for staff (web/clinic/pages.py)
    ("GET", "/patients"): STAFF_ONLY,
    ("POST", "/patients"): STAFF_ONLY,
    ("GET", "/patients/{patient_id}"): RECORD,
    # the dashboard and the staff patient page (issue 13)
    ("GET", "/clinic"): STAFF_ONLY,
    ("POST", "/patients/{patient_id}/alerts/{alert_id}/ack"): CLINICAL,
    ("POST", "/patients/{patient_id}/programme"): CLINICAL,
    ("GET", "/patients/{patient_id}/handout.pdf"): CLINICAL,
    ("GET", "/patients/{patient_id}/report.pdf"): CLINICAL,
    ("GET", "/patients/{patient_id}/fhir.json"): CLINICAL,
    ("GET", "/staff"): ADMIN_ONLY,
    ("POST", "/staff"): ADMIN_ONLY,
    ("GET", "/assignments"): ADMIN_ONLY,
    ("POST", "/assignments"): ADMIN_ONLY,
    ("GET", "/audit"): ADMIN_ONLY,
    ("GET", "/audit.csv"): ADMIN_ONLY,
    # the personal-mode API, for a signed-in patient
    ("POST", "/api/v1/screening"): PATIENT_ONLY,
    ("POST", "/api/v1/programme"): PATIENT_ONLY,
    ("GET", "/api/v1/today"): PATIENT_ONLY,
    ("POST", "/api/v1/sessions"): PATIENT_ONLY,
    ("POST", "/api/v1/checkins"): PATIENT_ONLY,
    ("POST", "/api/v1/psfs"): PATIENT_ONLY,
    ("POST", "/api/v1/clearances"): PATIENT_ONLY,
    ("GET", "/api/v1/history"): PATIENT_ONLY,
    ("GET", "/api/v1/progress"): PATIENT_ONLY,
    # the personal-mode pages, for a signed-in patient
    ("GET", "/"): PATIENT_ONLY,
    ("GET", "/screening"): PATIENT_ONLY,
    ("POST", "/screening"): PATIENT_ONLY,
    ("POST", "/profile"): PATIENT_ONLY,
    ("GET", "/programme"): PATIENT_ONLY,
    ("GET", "/today"): PATIENT_ONLY,
    ("GET", "/session"): PATIENT_ONLY,
    ("GET", "/checkin"): PATIENT_ONLY,
    ("POST", "/checkin"): PATIENT_ONLY,
    ("POST", "/escalations/{escalation_id}/acknowledge"): PATIENT_ONLY,
    ("POST", "/clearance"): PATIENT_ONLY,
    ("GET", "/progress"): PATIENT_ONLY,
    ("POST", "/psfs"): PATIENT_ONLY,
    ("GET", "/library"): PATIENT_ONLY,
    ("GET", "/library/{exercise_id}"): PATIENT_ONLY,
    ("GET", "/avoid"): PATIENT_ONLY,
    ("GET", "/settings"): PATIENT_ONLY,
    ("POST", "/settings"): PATIENT_ONLY,
    ("GET", "/export"): PATIENT_ONLY,
    ("GET", "/handout.pdf"): PATIENT_ONLY,
    ("GET", "/report.pdf"): PATIENT_ONLY,
    ("GET", "/calendar.ics"): PATIENT_ONLY,
    # A clinic keeps its records: "delete my data" is personal mode's alone.
    ("GET", "/delete"): NOT_IN_CLINIC,
    ("POST", "/delete"): NOT_IN_CLINIC,
    ("GET", "/deleted"): NOT_IN_CLINIC,
}


def rule_for(policy: Mapping[Key, Rule], method: str, path: str) -> Rule | None:
    """The rule of the route declared as `path` for `method` (HEAD as GET), or None."""
    return policy.get(("GET" if method == "HEAD" else method, path))


def decide(rule: Rule, role: str | None, relation: Relation | None = None) -> Outcome:
    """What `role` (None: nobody signed in) gets on a route with `rule`; for a scoped
    rule, given the actor's `relation` to the patient asked for."""
    if rule.public:
        return "allow"
    if role is None:
        return "unauthenticated"
    if role not in rule.roles:
        return "forbidden"
    if rule.relations is None:
        return "allow"
    return rule.relations.get(relation or "none", "hidden")
