"""``vetgate audit``: how AI-origin changes fared in a repository's own history (SPEC section 6).

Data flows one way: ``vetgate.changes.history`` streams git → ``reverts``/``szz`` find the failure
signals → ``aggregate`` counts per origin, rule, size bucket and month → ``model.AuditReport`` →
``report``/``html`` format it.
"""
