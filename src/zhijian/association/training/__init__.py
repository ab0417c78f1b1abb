"""继续教育: courses (online and in person with capacity), completions, hours per person per year, renewals."""
