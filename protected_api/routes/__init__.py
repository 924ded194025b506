"""HTTP routes, one module per area: ``me`` and ``items`` (any user), ``admin``."""
