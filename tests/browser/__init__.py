"""Browser tests: the real server in headless Chromium."""
