"""Committee meetings: items checked for the meeting date, the agenda, outcomes and minutes.

Functions in `kompetenceplan.meetings.committee`, documents in `.documents`, HTTP in `.http`.
"""
