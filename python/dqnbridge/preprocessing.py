"""Frame preprocessing Gymnasium lacks (CarRacing's gray 84x84 frames), in NumPy alone."""
import numpy as np


def to_gray(rgb):
    """ITU-R 601 luma of an HxWx3 uint8 frame, as float32 (the weights OpenCV uses)."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def resize_area(image, height, width):
    """Area-average resize of a 2-D image to height x width, for any integer or fractional ratio."""
    image = np.asarray(image, dtype=np.float32)
    rows = _area_weights(image.shape[0], height)
    cols = _area_weights(image.shape[1], width)
    return rows @ image @ cols.T


def _area_weights(source, target):
    """target x source matrix: how much of each source pixel falls in each target pixel, rows summing to 1."""
    edges = np.linspace(0.0, source, target + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def to_uint8(image):
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def car_racing_frame(rgb, size=84):
    """CarRacing 96x96x3 -> size x size gray uint8: drop the dashboard (bottom 12 rows), then resize."""
    return to_uint8(resize_area(to_gray(rgb[:84]), size, size))


def to_gray_uint8(rgb):
    """Luma of an HxWx3 uint8 frame as uint8, computed as OpenCV's cvtColor(RGB2GRAY) does for 8-bit images: the
    weights 0.299, 0.587, 0.114 in 15-bit fixed point, rounded half up. Equal to OpenCV's value for every pixel."""
    rgb = np.asarray(rgb, dtype=np.int32)
    return ((rgb[..., 0] * 9798 + rgb[..., 1] * 19235 + rgb[..., 2] * 3735 + (1 << 14)) >> 15).astype(np.uint8)


def car_racing_frame_cropped(rgb):
    """CarRacing 96x96x3 -> 84x84 gray uint8 as the CarRacing DQN notebook: img[:84, 6:90], no resize, OpenCV's gray.

    The notebook scales gray to [0, 1] floats; we keep the uint8 gray and the network scales it by 1/255.
    """
    return to_gray_uint8(rgb[:84, 6:90])
