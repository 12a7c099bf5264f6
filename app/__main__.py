"""``python -m app ...`` is the ``bwv`` launcher (``python -m app gui CLIP``)."""
import sys

from .launcher import main

sys.exit(main())
