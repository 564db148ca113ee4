"""meldsim: a discrete-event simulator of the MKON fire/multi control room under C2000 outages."""

__version__ = "0.1.0"
