"""Default settings of output analysis: confidence level, precision target and replication
bounds (Hoad, Robinson and Davies 2010, "HRD"). No imports: the command line reads these for its
option defaults without loading the analysis itself."""

DEFAULT_CONFIDENCE: float = 0.95  # conventional two-sided 95% level, as used by HRD (2010)
DEFAULT_PRECISION: float = 0.05  # relative CI half-width target of 5%, HRD (2010)
DEFAULT_MIN_REPLICATIONS: int = 3  # HRD (2010) start assessing precision at n = 3
DEFAULT_LOOKAHEAD: int = 5  # HRD (2010) recommended look-ahead kLimit = 5
DEFAULT_MAX_REPLICATIONS: int = 1000  # safety cap: project choice, not from the literature
