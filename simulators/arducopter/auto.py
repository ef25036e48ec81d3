"""AUTO: running the uploaded mission (README §2 04/09, §6).

* Entering AUTO armed prints ``Mission: 1 Takeoff`` and MISSION_CURRENT goes ACTIVE, but on the
  ground the takeoff waits for MISSION_START (SITL's throttle stick is at minimum; an RC
  throttle override above mid also starts it). In the air the mission starts at once and
  a takeoff item counts as reached immediately.
* ``Mission: N <Name>`` when a command starts; NAV items report MISSION_ITEM_REACHED, WP and
  LOITER_TIME also ``Reached command #N``. Waypoints are passed without stopping (corner
  speed from the turn angle). RTL/LAND items report REACHED at disarm.
* DO items run in one slot between NAV items, like AP_Mission: after NAV k completes the next
  DO starts if the slot is free, then the next NAV; further DOs start as the slot frees
  (hence 04's order "7 SetServo, 9 RTL, 8 SetRelay").
* After the landing disarm MISSION_CURRENT shows seq 0, state COMPLETE.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulators.arducopter.mission_items import COMMAND_NAMES, Item
from simulators.arducopter.modes import Mode
from simulators.arducopter.navigation import Goto, Hold, Land, Nav, Takeoff, horizontal_limits
from simulators.arducopter.physics import bearing_deg, wrap_180
from simulators.arducopter.rtl import Rtl

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

MISSION_STATE_NO_MISSION, MISSION_STATE_NOT_STARTED, MISSION_STATE_ACTIVE = 1, 2, 3
MISSION_STATE_PAUSED, MISSION_STATE_COMPLETE = 4, 5
CMD_WAYPOINT, CMD_LOITER_UNLIM, CMD_LOITER_TURNS, CMD_LOITER_TIME = 16, 17, 18, 19
CMD_RTL, CMD_LAND, CMD_TAKEOFF, CMD_DELAY = 20, 21, 22, 93
CMD_JUMP, CMD_CONDITION_DELAY = 177, 112
REACHED_TEXT_COMMANDS = frozenset({CMD_WAYPOINT, CMD_LOITER_TURNS, CMD_LOITER_TIME, 82})


class AutoMission:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.running = False
        self.completed = False
        self.current_seq = 0
        self.nav_index: int | None = None
        self.do_index: int | None = None
        self.do_until_s = 0.0
        self.speed_override_mps: float | None = None
        self._waiting_for_start = False
        self._nav_phase = ""
        self._hold_until_s = math.inf
        self._jump_counts: dict[int, int] = {}

    # --- MISSION_CURRENT -----------------------------------------------------------------

    def mission_current_fields(self) -> tuple[int, int, int, int]:
        count = self.v.missions.mission_count()
        total = max(0, count - 1)
        if count <= 1:
            state = MISSION_STATE_NO_MISSION
        elif self.completed:
            state = MISSION_STATE_COMPLETE
        elif self.running and self.v.flight.paused_nav is not None:
            state = MISSION_STATE_PAUSED
        elif self.running:
            state = MISSION_STATE_ACTIVE
        else:
            state = MISSION_STATE_NOT_STARTED
        seq = self.nav_index if (self.running and self.nav_index is not None) else self.current_seq
        return seq, total, state, 1 if self.v.mode == Mode.AUTO else 0

    def send_mission_current(self) -> None:
        seq, total, state, mode = self.mission_current_fields()
        self.v.send_fields(
            "MISSION_CURRENT", {"seq": seq, "total": total, "mission_state": state, "mission_mode": mode}
        )

    # --- control -------------------------------------------------------------------------

    def start(self) -> None:
        """Entering AUTO (or arming in it): start or resume the mission."""
        v = self.v
        if not v.armed or v.missions.mission_count() <= 1 or self.running:
            return
        self.running = True
        self.completed = False
        self._jump_counts.clear()
        self.speed_override_mps = None
        first = self.current_seq if self.current_seq >= 1 else 1
        self.nav_index = None
        self.do_index = None
        self._waiting_for_start = not v.flight.flying
        self._advance_from(first)

    def stop(self) -> None:
        if self.running and self.nav_index is not None:
            self.current_seq = self.nav_index
        self.running = False
        self._waiting_for_start = False

    def mission_start(self) -> bool:
        """MAV_CMD_MISSION_START: AUTO, and leave the ground if waiting."""
        v = self.v
        if v.mode != Mode.AUTO and not v.set_mode(int(Mode.AUTO), reason="mission_start"):
            return False
        if not self.running:
            self.start()
        if self._waiting_for_start and v.armed:
            self._waiting_for_start = False
            self._start_nav(self.nav_index)
        return True

    def set_current(self, seq: int) -> bool:
        count = self.v.missions.mission_count()
        if not 0 <= seq < max(count, 1):
            return False
        self.completed = False
        self.current_seq = seq
        if self.running and self.v.flight.flying:
            self.do_index = None
            self._advance_from(max(seq, 1))
        self.send_mission_current()
        return True

    def before_disarm(self) -> None:
        """RTL/LAND items count as reached when the motors stop after landing."""
        if not self.running or self.nav_index is None or self.v.flight.flying:
            return
        item = self.v.missions.mission_item(self.nav_index)
        if item is not None and item.command in (CMD_RTL, CMD_LAND):
            self._reached(self.nav_index, item)
            self.completed = True

    def after_disarm(self) -> None:
        if self.running:
            self.running = False
            self.current_seq = 0
            self.nav_index = None

    # --- sequencing ----------------------------------------------------------------------

    def _item(self, seq: int) -> Item | None:
        return self.v.missions.mission_item(seq)

    def _advance_from(self, seq: int) -> None:
        """Start the DO items (one slot) and the next NAV item from ``seq`` on."""
        v = self.v
        index = seq
        guard = 0
        while guard < 1000:
            guard += 1
            item = self._item(index)
            if item is None:
                self._mission_complete()
                return
            if item.command == CMD_JUMP:
                index = self._jump_target(index, item)
                continue
            if item.is_nav:
                self.nav_index = index
                v.send_text(6, f"Mission: {index} {COMMAND_NAMES.get(item.command, str(item.command))}")
                if not self._waiting_for_start:
                    self._start_nav(index)
                else:
                    v.flight.nav = Nav()
                return
            if self.do_index is None:
                self._start_do(index, item)
            index += 1

    def _jump_target(self, index: int, item: Item) -> int:
        repeat = int(item.param2)
        done = self._jump_counts.get(index, 0)
        if repeat < 0 or done < repeat:
            self._jump_counts[index] = done + 1
            return max(1, int(item.param1))
        return index + 1

    def _advance_do(self) -> None:
        if self.do_index is None or self.nav_index is None or self.v.now_s < self.do_until_s:
            return
        index = self.do_index + 1
        self.do_index = None
        while index < self.nav_index:
            item = self._item(index)
            if item is not None and not item.is_nav and item.command != CMD_JUMP:
                self._start_do(index, item)
                return
            index += 1

    def _mission_complete(self) -> None:
        v = self.v
        self.completed = True
        self.nav_index = None
        if v.flight.flying:
            kin = v.kin
            v.flight.nav = Hold(kin.north_m, kin.east_m, kin.height_m)
        elif v.armed:
            v.arming.disarm(reason="mission complete")

    def _reached(self, index: int, item: Item) -> None:
        v = self.v
        v.send_fields("MISSION_ITEM_REACHED", {"seq": index})
        if item.command in REACHED_TEXT_COMMANDS:
            v.send_text(6, f"Reached command #{index}")

    # --- NAV commands --------------------------------------------------------------------

    def _target_neh(self, item: Item) -> tuple[float, float, float]:
        v = self.v
        kin = v.kin
        if item.x == 0 and item.y == 0:
            north, east = kin.north_m, kin.east_m
        else:
            north, east = v.offset_from_origin(item.lat_deg, item.lon_deg)
        if item.z == 0 and item.command != CMD_LAND:
            height = kin.height_m
        elif item.frame in (0, 5):
            height = item.z - v.ground_amsl_m
        else:
            height = v.kin_height_for_rel(item.z)
        return north, east, height

    def _start_nav(self, index: int | None) -> None:
        if index is None:
            return
        v = self.v
        item = self._item(index)
        if item is None:
            return
        fc = v.flight
        command = item.command
        self._hold_until_s = math.inf
        self._nav_phase = "go"
        if command == CMD_TAKEOFF:
            if fc.flying:
                self._nav_phase = "done"
                return
            fc.takeoff(item.z, from_mission=True)
        elif command == CMD_RTL:
            fc.nav = Rtl(v)
        elif command == CMD_LAND:
            north, east, _ = self._target_neh(item)
            fc.nav = Land(north, east)
        elif command == CMD_DELAY:
            kin = v.kin
            fc.nav = Hold(kin.north_m, kin.east_m, kin.height_m)
            self._hold_until_s = v.now_s + max(0.0, item.param1)
            self._nav_phase = "hold"
        else:
            north, east, height = self._target_neh(item)
            fc.nav = Goto(
                north, east, height, speed_mps=self.speed_override_mps, end_speed_mps=self._corner_speed(index),
                yaw=fc.yaw,
            )  # fmt: skip

    def _corner_speed(self, index: int) -> float:
        """Speed to carry through waypoint ``index`` toward the next one (0: stop there)."""
        item = self._item(index)
        nxt = self._item(index + 1)
        if item is None or nxt is None or item.command != CMD_WAYPOINT or item.param1 > 0:
            return 0.0
        if nxt.command != CMD_WAYPOINT or (nxt.x == 0 and nxt.y == 0):
            return 0.0
        v = self.v
        here = self._target_neh(item)
        there = self._target_neh(nxt)
        kin = v.kin
        course_in = bearing_deg(here[0] - kin.north_m, here[1] - kin.east_m)
        course_out = bearing_deg(there[0] - here[0], there[1] - here[1])
        turn = abs(wrap_180(course_out - course_in))
        speed, _ = horizontal_limits(v)
        return speed * ((1.0 + math.cos(math.radians(turn))) / 2.0) ** 1.7

    def update(self) -> None:
        """Check the running NAV/DO items; called after each physics update."""
        v = self.v
        if not self.running or v.mode != Mode.AUTO:
            return
        self._advance_do()
        if self._waiting_for_start:
            if v.armed and v.rc_throttle_pwm() > 1500:
                self._waiting_for_start = False
                self._start_nav(self.nav_index)
            return
        if self.nav_index is None or v.flight.paused_nav is not None:
            return
        item = self._item(self.nav_index)
        if item is None:
            return
        if self._nav_complete(item):
            index = self.nav_index
            self._reached(index, item)
            self._advance_from(index + 1)

    def _nav_complete(self, item: Item) -> bool:
        v = self.v
        fc = v.flight
        command = item.command
        if self._nav_phase == "done":
            return True
        if command == CMD_TAKEOFF:
            nav = fc.nav
            return isinstance(nav, Takeoff) and nav.complete(v)
        if command in (CMD_RTL, CMD_LAND, CMD_LOITER_UNLIM):
            return False
        if self._nav_phase == "hold":
            return v.now_s >= self._hold_until_s
        nav = fc.nav
        if not isinstance(nav, Goto):
            return False
        radius = max(v.params.get("WPNAV_RADIUS") / 100.0, 0.5)
        arrived = nav.remaining_m <= radius and abs(nav.height_m - v.kin.height_m) < 1.0
        if not arrived:
            return False
        if command == CMD_WAYPOINT:
            if item.param1 > 0:
                self._nav_phase = "hold"
                self._hold_until_s = v.now_s + item.param1
                return False
            return True
        if command == CMD_LOITER_TIME:
            self._nav_phase = "hold"
            self._hold_until_s = v.now_s + max(0.0, item.param1)
            return False
        if command == CMD_LOITER_TURNS:
            self._nav_phase = "hold"
            self._hold_until_s = v.now_s + max(1.0, item.param1) * 2 * math.pi * max(abs(item.param3), 2.0) / 5.0
            return False
        return True

    # --- DO commands ---------------------------------------------------------------------

    def _start_do(self, index: int, item: Item) -> None:
        v = self.v
        self.do_index = index
        self.do_until_s = v.now_s
        command = item.command
        name = COMMAND_NAMES.get(command, str(command))
        effects = v.commands
        if command == 181:
            effects.set_relay(int(item.param1), item.param2)
        elif command == 183:
            effects.set_servo(int(item.param1), int(item.param2))
        elif command == 178:
            if item.param2 > 0:
                self.speed_override_mps = item.param2
                v.flight.set_speed(item.param2)
        elif command == 179:
            if item.param1 == 1 or (item.x == 0 and item.y == 0):
                v.set_home_to_current()
            else:
                v.set_home(item.lat_deg, item.lon_deg, item.z)
        elif command == 207:
            v.fence.set_runtime_enabled(int(item.param1) == 1)
        elif command == 115:
            effects.condition_yaw(item.param1, item.param2, int(item.param3), bool(item.param4))
        elif command == CMD_CONDITION_DELAY:
            self.do_until_s = v.now_s + max(0.0, item.param1)
        v.send_text(6, f"Mission: {index} {name}")
