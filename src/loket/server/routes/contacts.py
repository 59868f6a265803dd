"""Contacts and customer lookup."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from loket.protocol import API_PREFIX, Route
from loket.server import schemas
from loket.server.deps import Caller, Limit, PathId, QueryText, Store
from loket.server.responses import ContactOut, ContactPage, LookupOut, ShownBsnOut

router = APIRouter(prefix=API_PREFIX, tags=["contacts"])


@router.get("/contacts", response_model=ContactPage)
def contacts(
    user: Caller,
    store: Store,
    since: QueryText = None,
    until: QueryText = None,
    channel: QueryText = None,
    agent: QueryText = None,
    outcome: QueryText = None,
    limit: Limit = 100,
    cursor: QueryText = None,
) -> dict[str, Any]:
    return store.contacts.list(
        user,
        since=since,
        until=until,
        channel=channel,
        agent=agent,
        outcome=outcome,
        limit=limit,
        cursor=cursor,
    )


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def contact(contact_id: PathId, user: Caller, store: Store) -> dict[str, Any]:
    return store.contacts.get(user, contact_id)


@router.post(Route.CONTACT_BSN, response_model=ShownBsnOut)
def show_bsn(
    contact_id: PathId, body: schemas.ShowBsnIn, user: Caller, store: Store
) -> JSONResponse:
    """The full BSN, with a reason; recorded in the access log as `show_bsn`."""
    found = store.contacts.show_bsn(user, contact_id, body.reason)
    return JSONResponse(found, headers={"Cache-Control": "no-store"})


@router.post(Route.CUSTOMER_LOOKUP, response_model=LookupOut)
def lookup(body: schemas.LookupIn, user: Caller, store: Store) -> dict[str, Any]:
    """Earlier contacts of a resident by phone, e-mail or BSN; BSNs masked."""
    return store.contacts.lookup(user, body)
