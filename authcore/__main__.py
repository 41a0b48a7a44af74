import sys

from authcore.cli import main

sys.exit(main())
