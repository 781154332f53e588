"""The engine: pure evaluation of a change against a policy into an explained result tree."""
