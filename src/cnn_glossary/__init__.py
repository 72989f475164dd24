"""cnn-glossary: the CNN library the pages teach from, and the engine that builds the pages.

The package has four parts:

- the library at the top level (``conv``, ``conv_table``, ``counting``, ``receptive_field``, ``kernels``,
  ``activations``, ``epochs``, ``featuremaps``): plain functions, no MkDocs, no plotting;
- ``figures/``: drawing only (the shared style, and one module per kind of figure);
- ``mnist/``: the running example's workflow (data, the training script, the frozen result, the CLI);
- ``site/``: the documentation engine (the MkDocs adapter, the snippet pipeline, publishing, placeholders).

Snippets publish with ``from cnn_glossary import publish``, re-exported here.
"""

from cnn_glossary.site import publish

__all__ = ["publish"]
