"""AP_config: AutoProf's configuration object -- logging and verbosity; device and dtype fixed.

polychrome computes in double precision on the CPU (its C++ core; the CUDA
module, when built, is chosen per call with ``device=``). ``AP_config`` keeps
AutoProf's fields so that scripts setting them run: ``ap_device`` accepts
"cpu" and ``ap_dtype`` accepts float64 (numpy's, Python's float or
torch.float64); any
other value raises ValueError saying what is supported. ``ap_logger`` is the
``logging`` logger "polychrome"; ``set_logging_output`` sends it to the
console, a file, both or neither.
"""

import logging
import sys

import numpy as np

_LOGGER_NAME = "polychrome"


class _Config:
    """The fields of AutoProf's AP_config (see the module docstring)."""

    def __init__(self):
        self.ap_logger = logging.getLogger(_LOGGER_NAME)
        self.ap_logger.setLevel(logging.INFO)
        self.ap_verbose = 0

    # --- device and dtype: fixed, checked ------------------------------------------------
    @property
    def ap_device(self):
        """"cpu": where polychrome's core computes (set it only to "cpu")."""
        return "cpu"

    @ap_device.setter
    def ap_device(self, device):
        if str(device) != "cpu":
            raise ValueError(f"ap_device: polychrome computes on the CPU with its C++ core; only 'cpu' is "
                             f"accepted here, got {device!r} (the optional CUDA module is chosen per call "
                             "with device=, not globally)")

    @property
    def ap_dtype(self):
        """numpy.float64: every image, parameter and Jacobian is double precision."""
        return np.float64

    @ap_dtype.setter
    def ap_dtype(self, dtype):
        if str(dtype) == "torch.float64":  # AutoProf's default, as a script written for torch sets it
            return
        try:
            ok = np.dtype(dtype) == np.float64
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(f"ap_dtype: polychrome computes in double precision (float64) only; give "
                             f"numpy.float64, float or torch.float64, got {dtype!r}")

    # --- logging ---------------------------------------------------------------------------
    def set_logging_output(self, stdout=True, filename=None):
        """Send ``ap_logger``'s messages to the console (``stdout``), to the file ``filename``
        (appended; None: no file), both, or neither; replaces the handlers set before."""
        logger = self.ap_logger
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        if stdout:
            logger.addHandler(logging.StreamHandler(sys.stdout))
        if filename is not None:
            logger.addHandler(logging.FileHandler(filename))
        logger.propagate = False


AP_config = _Config()
