"""Makes scenarios/ the package ``sim.bundled.scenarios`` (see pyproject.toml and sim/bundled).

Setuptools' editable installs can map a folder outside ``sim/`` into the package only when
the folder is a regular package, so this file is needed for ``pip install -e`` to find the
scenarios through ``importlib.resources``; no code lives here.
"""
