"""Export to a Klantinteracties register (VNG standard; Open Klant): the pure mapping
(`mapping`) and the HTTP client (`client`). The durable queue lives in the central store
(`loket.server.export_queue`)."""
