"""The teaching layer: exercise checks (:mod:`optimizers.teaching.checks`) and
assignments, sandboxed grading and its command line (:mod:`optimizers.teaching.assign`,
``python -m optimizers.assign``).

Needs the ``[teaching]`` extra (nbformat, nbclient) for grading; the checks need
only numpy. The core (:mod:`optimizers`) never imports this package, except
``opt.checks`` on first use.
"""
