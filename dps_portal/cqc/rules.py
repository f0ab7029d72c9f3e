"""How long a CQC import may go quiet before it counts as cut off."""

from datetime import timedelta

# A running import that has saved no progress for this long was cut off (a batch takes
# seconds): it is queued again, which is safe because importing again changes nothing.
STALLED_AFTER = timedelta(minutes=15)
