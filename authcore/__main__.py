import sys

from authcore.tools.cli import main

sys.exit(main())
