"""Demo data, synthetic data generators and benchmarks: tools for development and measurement.

Installed only with DEBUG on or DEVTOOLS=1 (config/settings.py), so a production deployment
carries none of its commands or URLs. It calls the product's services and never the other way.
"""
