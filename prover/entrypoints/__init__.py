"""Entry points: the ``prove`` command line and ``prove serve``."""
