"""The dashboard's pages: each module has ``layout(lang, **query)`` and ``register(app, cfg)``."""
