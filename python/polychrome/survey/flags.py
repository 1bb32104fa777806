"""The flags bitmask every output row carries: what went wrong, or what to be careful of, for a source."""

import enum


class SourceFlag(enum.IntFlag):
    """Bits of a row's ``flags`` column (0: a clean fit).

    NO_DATA: no image covers the source; PARTIAL_COVERAGE: its footprint is cut
    by an image edge, or only some images cover it; TOO_FEW_PIXELS: fewer
    unmasked pixels than the fit needs; NOT_CONVERGED: the fitter stopped
    before its convergence test held; AT_LIMIT: a fitted parameter lies at one
    of its limits (within 0.03 of its uncertainty, the fit's convergence
    tolerance, or 1e-5 of the limit); SINGULAR_COVARIANCE: the data do not constrain some
    parameter (its uncertainty is inf); GROUP_SPLIT: the source's group was
    larger than the maximum and was split; TIMEOUT: the group ran out of its
    time budget; EXCEPTION: fitting the group raised (the message says what);
    WORKER_CRASH: the worker process died twice while fitting the group.
    """

    NO_DATA = 1
    PARTIAL_COVERAGE = 2
    TOO_FEW_PIXELS = 4
    NOT_CONVERGED = 8
    AT_LIMIT = 16
    SINGULAR_COVARIANCE = 32
    GROUP_SPLIT = 64
    TIMEOUT = 128
    EXCEPTION = 256
    WORKER_CRASH = 512


# Flags after which a row holds no fitted values.
FAILED = SourceFlag.NO_DATA | SourceFlag.EXCEPTION | SourceFlag.WORKER_CRASH


def flag_names(flags):
    """The names of the bits set in ``flags`` (an int), lowest bit first."""
    value = int(flags)
    if value < 0 or value >= 2 * max(SourceFlag):
        raise ValueError(f"flags must be a combination of SourceFlag bits (0 <= flags < {2 * max(SourceFlag)}), "
                         f"got {flags}")
    return [flag.name for flag in SourceFlag if value & flag]
