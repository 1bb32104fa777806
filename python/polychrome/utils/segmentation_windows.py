"""Windows, centroids and shapes from a segmentation map (AutoProf's helpers of the GroupModels
tutorial), and the map itself from an image with photutils (an optional dependency).

A segmentation map is an integer image (the target's shape, ``[y, x]``)
whose pixels hold the id of the source they belong to (0: none). Windows
are polychrome's pixel bounds ``[[x_start, x_stop], [y_start, y_stop]]``
(stop excluded), in a dict keyed by segment id, as AutoProf returned them.
"""

import os

import numpy as np


def _labels(seg_map, hdu=0):
    """The map as an integer array: an array, a photutils SegmentationImage, or a .fits / .npy path."""
    if isinstance(seg_map, (str, os.PathLike)):
        path = os.fspath(seg_map)
        if path.endswith((".fits", ".fits.gz", ".fit")):
            from astropy.io import fits

            with fits.open(path, memmap=False) as hdus:
                seg_map = np.array(hdus[hdu].data)
        elif path.endswith(".npy"):
            seg_map = np.load(path)
        else:
            raise ValueError(f"seg_map: a file must be .fits or .npy, got {path!r}")
    labels = np.asarray(seg_map if isinstance(seg_map, np.ndarray) else getattr(seg_map, "data", seg_map))
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"seg_map must be a 2-D integer image of segment ids, got {labels.dtype} {labels.shape}")
    return labels


def _pixels(image):
    """An image's pixel values as a float array (an array, or an image with ``.data``)."""
    return np.asarray(image if isinstance(image, np.ndarray) else getattr(image, "data", image), dtype=float)


def windows_from_segmentation_map(seg_map, hdul_index=0, skip_index=(0,)):
    """{segment id: [[x_start, x_stop], [y_start, y_stop]]}: the pixel box of each segment (stop
    excluded), the ids in ``skip_index`` (default the background 0) left out. ``seg_map``: an
    integer array, a photutils SegmentationImage or a .fits/.npy file (``hdul_index``: its HDU)."""
    labels = _labels(seg_map, hdul_index)
    windows = {}
    rows, columns = np.nonzero(labels)
    ids = labels[rows, columns]
    for index in np.unique(ids):
        if int(index) in set(int(s) for s in skip_index):
            continue
        mine = ids == index
        windows[int(index)] = [[int(columns[mine].min()), int(columns[mine].max()) + 1],
                               [int(rows[mine].min()), int(rows[mine].max()) + 1]]
    return windows


def scale_windows(windows, image_shape=None, expand_scale=1.0, expand_border=0.0):
    """Each window grown about its centre: width and height times ``expand_scale`` plus
    ``expand_border`` pixels on every side, then clipped to ``image_shape`` (ny, nx) when given."""
    if not expand_scale > 0:
        raise ValueError(f"expand_scale must be positive, got {expand_scale!r}")
    scaled = {}
    for index, ((x0, x1), (y0, y1)) in windows.items():
        bounds = []
        for lo, hi in ((x0, x1), (y0, y1)):
            centre, half = 0.5 * (lo + hi), 0.5 * expand_scale * (hi - lo) + expand_border
            bounds.append([int(np.floor(centre - half)), int(np.ceil(centre + half))])
        if image_shape is not None:
            ny, nx = image_shape
            bounds = [[max(0, bounds[0][0]), min(nx, bounds[0][1])], [max(0, bounds[1][0]), min(ny, bounds[1][1])]]
        scaled[index] = bounds
    return scaled


def filter_windows(windows, min_size=None, max_size=None, min_area=None, max_area=None, min_flux=None,
                   max_flux=None, image=None):
    """The windows that pass every given test: the smaller side >= min_size and the larger <=
    max_size (pixels), the area within [min_area, max_area] (pixels^2), the summed ``image`` within
    [min_flux, max_flux] (flux; needs ``image``, an array or an image with ``.data``)."""
    if (min_flux is not None or max_flux is not None) and image is None:
        raise ValueError("filter_windows: min_flux/max_flux need image (the data to sum in each window)")
    data = None if image is None else _pixels(image)
    kept = {}
    for index, ((x0, x1), (y0, y1)) in windows.items():
        width, height = x1 - x0, y1 - y0
        flux = None if data is None else float(np.sum(data[y0:y1, x0:x1]))
        tests = ((min_size, lambda v: min(width, height) >= v), (max_size, lambda v: max(width, height) <= v),
                 (min_area, lambda v: width * height >= v), (max_area, lambda v: width * height <= v),
                 (min_flux, lambda v: flux >= v), (max_flux, lambda v: flux <= v))
        if all(limit is None or test(limit) for limit, test in tests):
            kept[index] = [[x0, x1], [y0, y1]]
    return kept


def centroids_from_segmentation_map(seg_map, image, skip_index=(0,)):
    """{segment id: [x, y]}: the flux-weighted centroid of each segment's pixels, pixel coordinates
    (pixel centres at integers; negative pixels weigh nothing). ``image``: array or image with ``.data``."""
    labels = _labels(seg_map)
    data = np.clip(_pixels(image), 0.0, None)
    if data.shape != labels.shape:
        raise ValueError(f"image shape {data.shape} differs from the segmentation map's {labels.shape}")
    centroids = {}
    for index, ((x0, x1), (y0, y1)) in windows_from_segmentation_map(labels, skip_index=skip_index).items():
        weight = np.where(labels[y0:y1, x0:x1] == index, data[y0:y1, x0:x1], 0.0)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        total = weight.sum()
        if total <= 0:
            weight, total = (labels[y0:y1, x0:x1] == index).astype(float), float(np.sum(labels[y0:y1, x0:x1] == index))
        centroids[index] = [float(np.sum(weight * xx) / total), float(np.sum(weight * yy) / total)]
    return centroids


def shapes_from_segmentation_map(seg_map, image, skip_index=(0,)):
    """{segment id: (q, PA)}: axis ratio b/a and position angle (radians counter-clockwise from the
    pixel +x axis, in [0, pi)) from the flux-weighted second moments of each segment's pixels."""
    labels = _labels(seg_map)
    data = np.clip(_pixels(image), 0.0, None)
    shapes = {}
    centroids = centroids_from_segmentation_map(labels, data, skip_index)
    for index, ((x0, x1), (y0, y1)) in windows_from_segmentation_map(labels, skip_index=skip_index).items():
        inside = labels[y0:y1, x0:x1] == index
        weight = np.where(inside, data[y0:y1, x0:x1], 0.0)
        if weight.sum() <= 0:
            weight = inside.astype(float)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dx, dy = xx - centroids[index][0], yy - centroids[index][1]
        total = weight.sum()
        moments = np.array([[np.sum(weight * dx * dx), np.sum(weight * dx * dy)],
                            [np.sum(weight * dx * dy), np.sum(weight * dy * dy)]]) / total
        moments += np.eye(2) / 12.0  # a pixel's own extent: a one-pixel segment is round
        values, vectors = np.linalg.eigh(moments)
        q = float(np.sqrt(values[0] / values[1]))
        pa = float(np.arctan2(vectors[1, 1], vectors[0, 1]) % np.pi)
        shapes[index] = (q, pa)
    return shapes


def segmentation_map(image, threshold, n_pixels=5, mask=None):
    """A segmentation map of ``image`` (array or TargetImage) with photutils' detect_sources: the
    connected groups of at least ``n_pixels`` pixels above ``threshold`` (flux per pixel, or an
    array). Returns an integer array (0: background). Needs photutils (``pip install photutils``)."""
    try:
        from photutils.segmentation import detect_sources
    except ImportError:
        raise ImportError("segmentation_map needs photutils (an optional dependency): pip install photutils") from None
    data = _pixels(image)
    if mask is None and hasattr(image, "mask"):
        mask = image.mask
    try:
        found = detect_sources(data, threshold, n_pixels=n_pixels, mask=mask)
    except TypeError:  # photutils before 3.0 called it npixels
        found = detect_sources(data, threshold, npixels=n_pixels, mask=mask)
    return np.zeros(data.shape, int) if found is None else np.asarray(found.data)
