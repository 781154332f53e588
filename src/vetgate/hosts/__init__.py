"""Code hosts (GitHub, GitLab): CI detection and review evidence from their APIs."""
