"""The policy: model (frozen dataclasses), YAML loader with located errors, path matching."""
