"""kneecoach: a home exercise programme for inner knee pain."""

__version__ = "0.1.0"
