"""Policy replay (SPEC 6b): what a proposed policy would have done to the changes that reached a
branch, next to what the current policy did.

- ``vetgate.replay.model``: the frozen report (per change, per rule, the counts);
- ``vetgate.replay.walk``: walks the history and judges each change with both policies through
  ``vetgate.gate`` (exactly as ``check --range C^1..C`` would);
- ``vetgate.replay.render``: text, markdown and JSON.
"""
