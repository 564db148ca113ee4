"""Documented limits on scenario input, so that bad or hostile files fail fast with a message.

Each limit sits far above every bundled scenario (``tests/test_limits.py`` checks the margin)
and far below what would exhaust a machine: a file that passes ``meldsim validate`` must be
one that ``meldsim run`` can finish. Change a limit here and the README's "Limits" section.
"""

from __future__ import annotations

# --- files -------------------------------------------------------------------------------------
#: bytes of one scenario file (the largest bundled one, weekday.yaml, has 9 kB)
MAX_SCENARIO_BYTES = 1_000_000
#: bytes of one ``load.trace_file`` CSV; its rows (incidents) count against MAX_INCIDENTS too
MAX_TRACE_BYTES = 16_000_000
#: YAML nodes per file after expanding every alias (``*name``); weekday.yaml has 1,042 and a
#: year of hourly factors 8,784, an alias bomb billions; the pure-Python parser takes 20-60 µs
#: a node, so this also bounds the time one file can take (50,000 nodes: 1-3 s)
MAX_YAML_NODES = 50_000
#: nesting depth of YAML collections (the bundled scenarios nest 6 deep)
MAX_YAML_DEPTH = 64
#: digits of a YAML integer (Python refuses to convert more than 4,300)
MAX_INT_DIGITS = 30
#: files in one ``base:`` chain, the file itself included
MAX_BASE_CHAIN = 32
#: bytes and rows of a posts or places CSV (geography; the bundled places file has 27 kB, 667 rows)
MAX_GEOGRAPHY_BYTES = 16_000_000
MAX_GEOGRAPHY_ROWS = 100_000

# --- the work one replication implies ------------------------------------------------------------
#: horizon.duration_min: one year
MAX_DURATION_MIN = 366 * 24 * 60.0
#: expected incidents per replication (generator: base rate x profile x load factor x horizon)
MAX_INCIDENTS = 200_000
#: expected calls (first calls and duplicates) per replication
MAX_CALLS = 500_000
#: expected radio and scene messages per replication
MAX_MESSAGES = 1_000_000
#: expected incidents x posts with geography: the expected drive times are one such matrix
MAX_GEOGRAPHY_CELLS = 20_000_000

# --- single fields -----------------------------------------------------------------------------
MAX_RATE_PER_HOUR = 100_000.0  # load.base_rate_per_hour
MAX_LOAD_FACTOR = 1_000.0  # load.load_factor, hourly factors, channels' time_factor, gms_down_intake_factor
MAX_PROFILE_HOURS = 24 * 366  # entries of an explicit profile
MAX_REGIONS = 100  # load.region_shares: checks and travel times grow with its square
MAX_ROSTER_BLOCKS = 1_000  # room.roster: each block is checked minute by minute
MAX_PER_INCIDENT = 10_000.0  # expected units, messages or duplicate calls per incident
MAX_CAPACITY = 100_000  # channels.*.capacity
MAX_CENTRALISTS = 10_000  # room.roster.*.centralists, escalations' centralists
MAX_UNITS_PER_STATION = 10_000  # units.stations.*.units
MAX_TIME_MIN = 1.0e9  # any duration or time parameter, in minutes (about 1,900 years)
MAX_REALARMS = 10  # room.realarms_before_next_unit
