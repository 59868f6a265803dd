"""Names vulture cannot see used, each with why it stays (read by `vulture`, never run).

Anything unused that is not listed here fails CI: remove it, or add it here with a reason.
"""

# ruff: noqa: B018, F821
# Read through asdict/to_dict (loket.domain.kpi.Report), not as attributes.
fcr_resolved
per_channel
# An enum member of the domain's task kinds: a value the wire may carry.
INTERNE_TAAK
# Live snapshot metadata (loket.live_view.LiveSnapshot), set when read.
event_seq
read_at
# Framework hooks: uvicorn's shutdown flags, Python's __exit__ and Textual's check_action
# signatures, the Prometheus collector protocol, sqlite3's row factory, Textual's border
# titles and the per-instance start mode.
_.should_exit
_.force_exit
exc_type
tb
parameters
_.collect
_.row_factory
_.border_title
_.DEFAULT_MODE
_.auto_width  # a DataTable column's: set so the worklist's columns take the given width
# In areas being worked on at the time of writing (kb search, chaos test).
MAX_PARTS
_.drop_all_connections
