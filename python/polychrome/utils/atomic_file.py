"""Writing a file so that it is either wholly written or not changed at all.

Every writer of polychrome (model YAML, FITS images, fit tables) goes
through :func:`atomic_write`: the content is written to a temporary file in
the destination's folder, flushed to disk (fsync), and only then renamed
onto the destination, whose folder is then synced too. A write killed half
way leaves the previous file as it was (and at worst a hidden temporary
file beside it), never a truncated one.
"""

import contextlib
import os
import tempfile


def resolved_destination(path):
    """The file a write to ``path`` must replace: a symbolic link is followed to its target, so
    that the link keeps pointing at the new content instead of being replaced by a plain file."""
    return os.path.realpath(os.fspath(path))


def check_may_write(path, overwrite):
    """Raise FileExistsError naming ``path`` when it exists and ``overwrite`` is false."""
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
    if not overwrite and os.path.lexists(os.fspath(path)):
        raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it")


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """Context manager yielding a temporary path to write; on success it replaces ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The destination (a symbolic link is written through, to its target).
    overwrite : bool
        Replace an existing file; when False an existing ``path`` raises
        FileExistsError before anything is written.

    The temporary file is created private (0600) in the destination's
    folder, its name ending like ``path`` (so writers that choose the format
    by extension choose the same); the final file gets the permissions of the
    file it replaces, or those of a new file (0666 less the umask). If the
    body raises, the temporary file is removed and ``path`` is left untouched.
    """
    check_may_write(path, overwrite)
    destination = resolved_destination(path)
    folder = os.path.dirname(destination)
    suffix = os.path.splitext(destination)[1]
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".polychrome-", suffix=suffix)
    os.close(handle)
    try:
        yield temporary
        _sync_file(temporary)
        os.chmod(temporary, _file_mode(destination))  # mkstemp made it private (0600)
        _move_into_place(temporary, destination, overwrite, path)
        _sync_folder(folder)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _move_into_place(temporary, destination, overwrite, path):
    if overwrite:
        os.replace(temporary, destination)
        return
    try:  # a hard link fails when the name exists: no race with another writer
        os.link(temporary, destination)
    except FileExistsError:
        raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it") from None
    except OSError:  # file systems without hard links: check, then rename
        check_may_write(destination, False)
        os.replace(temporary, destination)
    else:
        os.remove(temporary)


def _sync_file(path):
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def _sync_folder(folder):
    """Make the rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a folder (EINVAL): the rename itself has happened
    finally:
        os.close(descriptor)


def _file_mode(destination):
    """Permissions of the file ``destination`` replaces, else what open() gives a new file."""
    if os.path.exists(destination):
        return os.stat(destination).st_mode & 0o777
    return 0o666 & ~_umask()


def _umask():
    """The process's umask, read without changing it where the system tells it (Linux); else set
    and restored at once (os.umask is the only portable way to read it)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass  # no /proc (macOS, Windows) or no Umask line (old kernels): read it the portable way
    umask = os.umask(0)
    os.umask(umask)
    return umask
