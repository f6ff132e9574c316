"""The web app's views: thin wiring from requests to the core and back to templates or files."""
