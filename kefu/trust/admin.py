from . import records_admin  # noqa: F401  (the access audit)
