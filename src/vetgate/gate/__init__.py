"""The gate pipeline: gather the change, the policy, provenance context and host evidence,
evaluate, and return the explained result.

``check``, the git hooks, ``origin`` and ``replay`` all judge through this package, so a change is
judged the same way wherever it is judged; ``vetgate.commands`` only parse arguments and print.

- ``vetgate.gate.policy``: the policy of the work tree or of a commit;
- ``vetgate.gate.pipeline``: a ``CheckRequest`` in, an ``Evaluation`` out (``evaluate_request``),
  and ``judge`` for a change already collected (``replay`` judges many with one policy).
"""
