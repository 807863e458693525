"""The code behind *Generative AI, Hands-On*: every model, dataset and figure helper the chapters use.

Import what a chapter needs from its module, e.g. ``from utils.fruits import make_fruits``.
"""

__version__ = "0.1.0"
