"""Singer tap for the Rick.ai data API v2."""
