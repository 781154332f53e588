"""The policy: model (frozen records), YAML loader with located errors, path matching."""
