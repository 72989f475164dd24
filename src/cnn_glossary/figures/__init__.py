"""Drawing only: ``style`` (the shared look; importing it sets matplotlib's style), and one module per kind of figure."""
