"""Storage backends of the central store: SQLite (default) and PostgreSQL."""

from loket.server.storage.base import Storage, open_storage

__all__ = ["Storage", "open_storage"]
