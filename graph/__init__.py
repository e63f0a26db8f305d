"""hormone-kg: a knowledge graph of hormones, molecular mechanisms and the evidence behind them.

Importing the package is cheap: submodules are imported by the commands that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
