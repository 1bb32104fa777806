"""Lists of images for joint fits: TargetImageList and ModelImageList."""

from .model_image import ModelImage
from .tangent_plane import TangentPlane
from .target_image import TargetImage
from .window_list import WindowList


class ImageList:
    """An ordered, indexable, iterable collection of images of one kind.

    Indexing by an int gives an image; by a WindowList (one window per
    image, in order) a new list of the views inside those windows.
    """

    item_type = None  # the image class held, set by subclasses

    def __init__(self, images):
        images = list(images)
        for k, image in enumerate(images):
            if not isinstance(image, self.item_type):
                raise TypeError(f"images[{k}] must be a {self.item_type.__name__}, "
                                f"got {type(image).__name__}")
        self.images = images

    def __len__(self):
        return len(self.images)

    def __iter__(self):
        return iter(self.images)

    def __getitem__(self, key):
        if isinstance(key, WindowList):
            if len(key) != len(self):
                raise ValueError(f"the WindowList has {len(key)} windows but the list has {len(self)} images")
            return self._from_views([image[window] for image, window in zip(self, key)])
        return self.images[key]

    def _from_views(self, views):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.images = views
        return new

    def index(self, image):
        """Position of ``image`` (the same object) in the list; ValueError if absent."""
        for k, member in enumerate(self.images):
            if member is image:
                return k
        raise ValueError("image is not in this list")

    def __contains__(self, image):
        return any(member is image for member in self.images)

    @property
    def window(self):
        """WindowList of the whole images."""
        return WindowList([image.window for image in self.images])

    def __repr__(self):
        return f"{type(self).__name__}({self.images!r})"


class TargetImageList(ImageList):
    """TargetImages fitted jointly, all WCS images on one tangent plane.

    Parameters
    ----------
    images : iterable of TargetImage
    reference_wcs : astropy.wcs.WCS, FITS header or TangentPlane, optional
        Tangent plane for the WCS images; default the WCS of the first image
        that has one. WCS images on another plane are re-placed **in place**
        (their origin and pixelscale change); images without WCS are kept as
        they are (their pixelscale/origin already name plane positions).

    Attributes
    ----------
    plane : TangentPlane or None
        The common plane of the WCS images (None when no image has a WCS).
    """

    item_type = TargetImage

    def __init__(self, images, reference_wcs=None):
        super().__init__(images)
        self.plane = None
        with_wcs = [image for image in self.images if image.wcs is not None]
        if reference_wcs is None and not with_wcs:
            return
        if reference_wcs is None:
            plane = with_wcs[0].plane
        elif isinstance(reference_wcs, TangentPlane):
            plane = reference_wcs
        else:
            plane = TangentPlane(reference_wcs)
        for image in with_wcs:
            if not image.plane.is_same_as(plane):
                image.place_on(plane)
        self.plane = plane


class ModelImageList(ImageList):
    """ModelImages of a joint model, one per target image.

    Parameters
    ----------
    images_or_windows : iterable of ModelImage, or a WindowList
        The model images, or windows for which blank model images are made.
    """

    item_type = ModelImage

    def __init__(self, images_or_windows):
        if isinstance(images_or_windows, WindowList):
            images_or_windows = [ModelImage(window) for window in images_or_windows]
        super().__init__(images_or_windows)

    @property
    def flux(self):
        """Total flux of each model image, as a list."""
        return [image.flux for image in self.images]
