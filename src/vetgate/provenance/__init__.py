"""Provenance: is a commit AI-origin? The catalog is data; detectors read it."""
