"""Images, windows and image lists on a common tangent plane (arcsec).

See DESIGN.md for the conventions; ``tangent_plane`` for how WCS images are
placed. AutoProf/AstroPhot spellings are aliases of the PEP 8 names.
"""

from .image import Image
from .image_list import ImageList, ModelImageList, TargetImageList
from .model_image import ModelImage
from .plane_mapping import PlaneMapping
from .psf_extent import PsfExtent
from .psf_image import PSFImage
from .tangent_plane import TangentPlane
from .target_image import TargetImage
from .window import Window
from .window_list import WindowList

# AutoProf-compatible aliases
Target_Image = TargetImage
Target_Image_List = TargetImageList
Model_Image = ModelImage
Model_Image_List = ModelImageList
PSF_Image = PSFImage
Window_List = WindowList

__all__ = [
    "Image", "ImageList", "ModelImage", "ModelImageList", "PlaneMapping", "PsfExtent", "PSFImage",
    "TangentPlane", "TargetImage", "TargetImageList", "Window", "WindowList",
    "Target_Image", "Target_Image_List", "Model_Image", "Model_Image_List", "PSF_Image", "Window_List",
]
