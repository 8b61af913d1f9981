"""tap-trust: Trust.lat push campaigns and their delivery statistics as Singer streams."""
