"""GroupTask: one group of sources to fit together, as a specification (no pixels)."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class GroupTask:
    """The sources fitted together, their neighbours, and what planning found.

    group_id: unique, deterministic (planning order); sources: the group's
    catalogue rows (dicts of canonical columns, plain Python values, plus
    "footprint": the footprint radius in arcsec); neighbours: rows of other
    groups' sources whose footprints reach this group's cutout region (same
    keys); flags: SourceFlag bits set at planning (GROUP_SPLIT); cost: a
    relative cost estimate (footprint pixels summed over the images covering
    the group) for chunking; center: (ra, dec) in deg of the group's centre;
    radius: arcsec from the centre that the cutouts cover (the members'
    footprints plus the margin).
    """

    group_id: int
    sources: tuple
    neighbours: tuple = ()
    flags: int = 0
    cost: float = 1.0
    center: tuple = None
    radius: float = None

    @property
    def size(self):
        """Number of sources in the group."""
        return len(self.sources)
