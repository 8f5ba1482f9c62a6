"""``python -m optimizers.assign``: the command instructors know, kept working.

The assignment tools live in :mod:`optimizers.teaching.assign`; this module only
runs their command line.
"""

if __name__ == "__main__":
    import sys

    from optimizers.teaching.assign import main

    sys.exit(main())
