"""CLI commands by topic; each module registers its commands on ``hubsim.cli.app``."""
