"""Units of time used across hubsim, defined once.

The simulation clock counts days (floats) from a scenario's ``start_date``; calls and sessions are
in minutes; a year is the Julian year of 365.25 days (leave years, attrition rates, annual costs
and the logic model's weeks all use it).
"""

from __future__ import annotations

MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24.0
MINUTES_PER_DAY = 1440.0
DAYS_PER_WEEK = 7
WORKING_DAYS_PER_WEEK = 5  # Monday to Friday
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
WEEKS_PER_YEAR = DAYS_PER_YEAR / DAYS_PER_WEEK
