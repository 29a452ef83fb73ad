"""The thresholds of MCN agency scoring (G2–G5), in one place for the services and the pages."""

from datetime import timedelta

MIN_SIGNED_CREATORS = 5  # G2: fewer signed creators at month end fails the month
MIN_ACTIVITY_PERCENT = 70  # G2: the share of signed creators who went live enough
DEDUCTION_POINTS = 40  # G2: points deducted for a failed month
EXPULSION_POINTS = 120  # G3: points in a year that expel the agency
READMISSION_BAR = timedelta(days=180)  # G3: how long an expelled agency waits to come back
VERTICAL_MIN_CREATORS = 5  # G5: creators of a vertical an agency needs
VERTICAL_MIN_SESSIONS = 20  # G5: sessions that make a creator count for a vertical
VERTICAL_MIN_SHARE_PERCENT = 10  # G5: the vertical's share of the agency's GMV
