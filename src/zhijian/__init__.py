"""zhijian (质检) — open platform for product quality inspection and market-safety supervision."""

__version__ = "0.1.0"
