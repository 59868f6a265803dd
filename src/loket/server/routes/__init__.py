"""The API's routes, one router per resource; each handler is one call into a service."""

from __future__ import annotations

from fastapi import APIRouter

from loket.server.routes import contacts, figures, live, sync, tasks, users

RESOURCES: tuple[APIRouter, ...] = (
    users.router,
    sync.router,
    contacts.router,
    tasks.router,
    figures.router,
    live.router,
)
