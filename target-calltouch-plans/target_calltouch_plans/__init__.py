"""Singer target that validates plan metrics and imports them into Calltouch."""
