"""The decision's rules and vocabulary, in Python beside the compiled kernel (authcore._fast).

validation (request checks), columns (bulk chunks validated and turned into the kernel's matrix),
policy (the versioned policy and the limit profiles it resolves), money (currencies, amounts),
reasons (every reason: precedence, codes, messages), explain (what a customer reads of a decision),
installments (plans, APR, eligibility), reference (the plain-Python executable spec of the limits
decision).

It never imports authcore.api, authcore.cluster, authcore.tools or authcore.engine; it shares the
domain with risk, state and journal. See docs/architecture.md.
"""
