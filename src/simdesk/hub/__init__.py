"""The programme hub: an xAPI 1.0.3 learning record store on PostgreSQL, enrolment of devices,
and the programme dashboard. Built on FastAPI and SQLAlchemy; imports ``simdesk.core``, never the
UI. Start it with ``simdesk hub serve``."""
