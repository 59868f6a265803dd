"""The central store: FastAPI app, storage backends, live events. Imported lazily by the CLI."""
