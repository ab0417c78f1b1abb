"""zhijian's test suite. Imported before any conftest, so this runs before zhijian is imported."""

import os

# argon2's cheapest parameters for the suite's thousands of test users (and for the servers and CLIs the tests
# start, which inherit the environment); production hashes keep the library's defaults (platform/auth.py)
os.environ.setdefault("ZHIJIAN_ARGON2_PROFILE", "test")
