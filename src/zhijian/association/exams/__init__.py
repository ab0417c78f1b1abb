"""培训与考试: question banks, blueprints, randomized papers, marking, results, certificates, item statistics."""
