"""The results layer: KPIs, costs, outcomes, statistics and the results folder."""
