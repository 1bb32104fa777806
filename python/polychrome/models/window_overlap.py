"""Where two windows of one image overlap, as array slices of each."""


def overlap_slices(inner, outer):
    """Slices (into ``inner``'s arrays, into ``outer``'s arrays) of the pixels the windows share.

    Both are Windows of the same image. Returns None when they do not overlap.
    """
    if inner.image is not outer.image:
        raise ValueError("the windows belong to different images")
    x0, x1 = max(inner.x_start, outer.x_start), min(inner.x_stop, outer.x_stop)
    y0, y1 = max(inner.y_start, outer.y_start), min(inner.y_stop, outer.y_stop)
    if x0 >= x1 or y0 >= y1:
        return None
    in_inner = (slice(y0 - inner.y_start, y1 - inner.y_start), slice(x0 - inner.x_start, x1 - inner.x_start))
    in_outer = (slice(y0 - outer.y_start, y1 - outer.y_start), slice(x0 - outer.x_start, x1 - outer.x_start))
    return in_inner, in_outer
