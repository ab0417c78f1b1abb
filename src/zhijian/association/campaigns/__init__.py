"""质量月 and 3·15 campaigns: the campaign page, events with registrations, reviewed notices, statistics."""
