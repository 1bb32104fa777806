"""WindowList: one Window per image of an image list."""

from .window import Window


class WindowList:
    """An ordered, indexable, iterable list of Windows (one per image of a joint fit).

    Parameters
    ----------
    windows : iterable of Window
    """

    def __init__(self, windows):
        windows = list(windows)
        for k, window in enumerate(windows):
            if not isinstance(window, Window):
                raise TypeError(f"windows[{k}] must be a Window, got {type(window).__name__}")
        self.windows = windows

    def __len__(self):
        return len(self.windows)

    def __iter__(self):
        return iter(self.windows)

    def __getitem__(self, index):
        return self.windows[index]

    def union(self, other):
        """Element-wise union with another WindowList of the same images."""
        if not isinstance(other, WindowList) or len(other) != len(self):
            raise ValueError("union needs a WindowList of the same length")
        return WindowList([a.union(b) for a, b in zip(self, other)])

    def __eq__(self, other):
        return isinstance(other, WindowList) and self.windows == other.windows

    def __repr__(self):
        return f"WindowList({self.windows!r})"
