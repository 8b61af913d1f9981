"""tap-shopster: Shopster footfall dynamics (reports/group_datetime) as a Singer stream."""
