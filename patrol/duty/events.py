"""Board events on the channel layer: group names and publishing after commit.

Every change of a shift's day status is published to three groups: the county board, the
responsible station's board and the school's board. A socket joins exactly one of them, so each
viewer gets an event once. The payload is the shift's whole board row, which the page swaps in.
"""

from __future__ import annotations

from common.publish import channel_publish, run_after_commit

COUNTY_GROUP = "patrol.board"
EVENT_TYPE = "board.update"  # handled by BoardConsumer.board_update


def station_group(station_id: int) -> str:
    return f"patrol.board.station.{station_id}"


def school_group(school_id: int) -> str:
    return f"patrol.board.school.{school_id}"


def groups_for_shift(*, school_id: int, station_id: int | None) -> list[str]:
    groups = [COUNTY_GROUP, school_group(school_id)]
    if station_id is not None:
        groups.append(station_group(station_id))
    return groups


def board_publish_shift(shift_id: int) -> None:
    """Send the shift's current board row to its groups (call after commit)."""
    from patrol.duty.selectors import shift_row_by_id

    row = shift_row_by_id(shift_id)
    if row is None:
        return
    message = {"type": EVENT_TYPE, "payload": {"type": "shift", "shift": row}}
    station = row["station"]["id"] if row["station"] else None
    channel_publish(groups_for_shift(school_id=row["school"]["id"], station_id=station), message)


def board_publish_on_commit(shift_id: int) -> None:
    """Publish once the surrounding transaction commits, so nobody sees rolled-back state.

    The row is read after commit; a full or broken channel layer is logged, never raised.
    """
    run_after_commit(lambda: board_publish_shift(shift_id), what=f"board row of shift {shift_id}")
