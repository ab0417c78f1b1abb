"""能力验证 (proficiency testing, ISO/IEC 17043): schemes, rounds, enrolment, homogeneity, results, scores, reports."""
