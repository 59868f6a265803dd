"""Pure domain: contacts, questions, tasks, routing, SLA clock, KPIs. No I/O, no loket imports."""
