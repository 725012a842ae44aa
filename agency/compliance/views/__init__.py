"""The compliance officer's workspace, one module a screen: ``home`` (ledger integrity,
verify, acknowledge an alarm), ``ledger`` (search and CSV export), ``consumer`` (timeline,
record a fact, evidence PDF), ``blocked`` (blocked attempts over time), ``what_if`` and
``policies``; ``common`` holds what they share.  ``router`` composes them all.

Compliance officers use every page; admins may read them (they change nothing here);
every other role gets 403.  Pages are server-rendered and work without JavaScript; htmx
swaps named blocks of the same templates.
"""

from __future__ import annotations

from fastapi import APIRouter

from agency.compliance.views import blocked, consumer, home, ledger, policies, what_if

router = APIRouter()
for screen in (home, ledger, consumer, blocked, what_if, policies):
    router.include_router(screen.router)
