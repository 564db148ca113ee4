"""Many nights: records, KPIs, statistics over replications, runs, comparisons, result directories."""
