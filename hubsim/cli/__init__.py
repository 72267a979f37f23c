"""The ``hubsim`` command line."""
