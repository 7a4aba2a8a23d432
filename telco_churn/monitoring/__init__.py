"""Model monitoring: histograms in the engine, drift and quality metrics from them, the report."""
