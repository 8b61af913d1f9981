"""tap-kameleoon: Kameleoon audience statistics, sites and segments."""
