import sys

from desktop_app import cli

sys.exit(cli.main())
