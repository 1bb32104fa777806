"""The survey layer on the README tour's real data: HST and the HSC i band (a plane of a cube) of one
COSMOS patch, different pixel scales and PSFs, placed by their WCSs. The group fit finds the galaxy's
Re that the hand-built joint model of the README finds (1.297 +- 0.007 arcsec). Skipped without
../shared/data."""

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from polychrome.survey.flags import SourceFlag
from polychrome.survey.group_fit import GroupFitter
from polychrome.survey.grouping import plan_groups
from polychrome.survey.image_spec import ImageSpec
from polychrome.survey.model_spec import ModelSpec

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(DATA, "Cut_HSC.fits")),
                                reason="real data not available")


def test_galaxy_and_neighbour_in_hst_and_hsc():
    hsc = WCS(fits.getheader(os.path.join(DATA, "Cut_HSC.fits")), naxis=2)
    ra, dec = hsc.pixel_to_world_values([22, 39], [24, 27])  # the README's galaxy and neighbour (HSC pixels)
    catalog = Table({"id": [1, 2], "ra": ra, "dec": dec, "size": [1.0, 0.5]})
    images = [ImageSpec(data=os.path.join(DATA, "Cut_HST.fits"), band="hst", psf=os.path.join(DATA, "PSF_HST.fits")),
              ImageSpec(data=os.path.join(DATA, "Cut_HSC.fits"), band="i", plane=2, zeropoint=27.0,
                        psf=os.path.join(DATA, "PSF_HSC.fits"), psf_plane=2)]
    spec = ModelSpec(footprint_scale=2.0, cutout_margin=0.5)
    tasks = plan_groups(catalog, images, spec)
    assert [task.size for task in tasks] == [2]  # a blend: fitted together
    galaxy, neighbour = GroupFitter(images, spec).fit(tasks[0])
    assert galaxy["flags"] & ~SourceFlag.PARTIAL_COVERAGE == 0 and galaxy["n_images"] == 2
    assert abs(galaxy["Re"] - 1.297) < 0.03 and galaxy["Re_err"] < 0.02
    assert np.hypot((galaxy["ra"] - ra[0]) * np.cos(np.radians(dec[0])), galaxy["dec"] - dec[0]) * 3600 < 0.3
    assert 18.5 < galaxy["mag_i"] < 19.5 and np.isnan(galaxy["mag_hst"])  # HST has no zeropoint here
    assert neighbour["Re"] < galaxy["Re"]
