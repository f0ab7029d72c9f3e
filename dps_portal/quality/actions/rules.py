"""The rules of action plans that are numbers: when an open action brings a reminder."""

# Open actions due within this many days bring a reminder.
DUE_SOON_DAYS = 7
