"""Clinic mode on the web (issue 12): accounts, roles, patients and the audit trail.

- `auth.py`: the session cookie, who is signed in (`SignedInDep`, `OptionalSignedIn`),
  CSRF tokens for forms, and `ClinicGate`, which checks every request against
- `policy.py`: the one table of who may use which route, for whom;
- `routes.py`: the clinic's JSON API (sign-in, invites, patients, the audit trail).

A signed-in patient uses personal mode's own API and pages, scoped to themselves
(`CurrentActor` and `CurrentPerson` in `web/deps.py`).
"""
