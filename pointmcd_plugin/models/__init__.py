from .classifiers import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .students import *  # noqa: F401,F403
from .teachers import *  # noqa: F401,F403
from .vafp import VAFP  # noqa: F401
