"""Quality monitoring: visits, their records, reports and action plans, and quarterly returns."""
