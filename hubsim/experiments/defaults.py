"""Default settings of hubsim's experiments, for their functions and the command line's options.

Light imports only: the command line reads these without loading the experiments themselves.
"""

from hubsim.results.analysis_defaults import DEFAULT_LOOKAHEAD, DEFAULT_MIN_REPLICATIONS

# --replications auto (hubsim.experiments.auto_replications)
AUTO_MAX_REPLICATIONS = 200  # cap: a KPI that never settles must not run for ever
AUTO_FIRST_BATCH = DEFAULT_MIN_REPLICATIONS + DEFAULT_LOOKAHEAD  # fewer cannot show convergence

# hubsim warmup (hubsim.experiments.warmup)
DEFAULT_WARMUP_REPLICATIONS = 5  # a few replications smooth the series (Hoad et al. 2010)

# hubsim staff (hubsim.experiments.wte_search)
SEARCH_CONFIDENCE = 0.9  # the target must hold in 9 simulated years out of 10 (issue 6)
DEFAULT_WTE_MIN = 1.0  # WTE: one whole-time post (issue 6); below it a role is part of a person
DEFAULT_WTE_MAX = 30.0  # WTE: beyond any single Hub role (the largest Hub had ~22 staff)
DEFAULT_WTE_STEP = 0.1  # WTE: a tenth of a post, 3.75 h of a 37.5 h week; finer is not fundable
SEARCH_REPLICATIONS = 20  # shares resolved to 0.05: enough to judge a 0.9 threshold
