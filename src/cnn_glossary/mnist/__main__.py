"""``python -m cnn_glossary.mnist``: the same as the ``cnn-glossary`` command."""

import sys

from cnn_glossary.mnist.cli import main

sys.exit(main())
