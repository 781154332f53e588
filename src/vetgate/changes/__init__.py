"""All git access lives here; everything it returns is plain frozen data (``model``)."""
