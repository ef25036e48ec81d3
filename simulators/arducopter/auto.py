"""AUTO: running the uploaded mission (README §2 04/09, §6).

* Entering AUTO armed prints ``Mission: 1 Takeoff`` and MISSION_CURRENT goes ACTIVE, but on the
  ground the takeoff waits for MISSION_START (SITL's throttle stick is at minimum; an RC
  throttle override above mid also starts it). In the air the mission starts at once and
  a takeoff item counts as reached immediately.
* ``Mission: N <Name>`` when a command starts; NAV items report MISSION_ITEM_REACHED, WP and
  LOITER_TIME also ``Reached command #N``. DO items ArduCopter verifies itself (DO_CHANGE_SPEED,
  DO_SET_HOME, ...) are reported too, and one started in the same loop as the NAV item before
  it takes that item's place (ModeAuto::verify_command; one pending number per link). Relay and
  servo items are never reported. Waypoints are passed without stopping (corner speed from the
  turn angle and the next leg's length). RTL/LAND items report REACHED at disarm.
* Start or resume (AP_Mission::start_or_resume): AUTO resumes at the interrupted NAV item unless
  MIS_RESTART=1 or the mission completed; a disarm resets the mission (item 1 next time).
  MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT move the resume point; MISSION_START with a
  first/last item is DENIED. Armed on the ground, AUTO is refused unless the resume point is a
  take-off ("Auto: Missing Takeoff Cmd").
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
# DO commands ArduCopter's ModeAuto::verify_command completes at once and reports as reached
# (DO_CHANGE_SPEED, DO_SET_HOME, ROI, MOUNT_CONTROL, GUIDED_LIMITS, FENCE_ENABLE, RETURN_PATH_START,
# LAND_START, WINCH); relay/servo/camera items are verified by AP_Mission itself and never reported.
DO_REACHED_AT_ONCE = frozenset({178, 179, 195, 197, 201, 205, 220, 207, 188, 189, 42600})
CONDITION_COMMANDS = frozenset({112, 114, 115})
CMD_INDEX_NONE = 0
PASS_THROUGH_RADIUS_M = 1.0
MAV_RESULT_ACCEPTED, MAV_RESULT_DENIED, MAV_RESULT_FAILED = 0, 2, 4


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
        # a DO item whose MISSION_ITEM_REACHED already went out in place of the NAV item before it
        self._do_reported: int | None = None
        self._corner_turn_deg = 0.0
        self._pass_radius_m = PASS_THROUGH_RADIUS_M

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
        if self.running and self.nav_index is not None:
            seq = self.nav_index
        else:  # AP_Mission reports the NAV item it would resume at
            seq = (self._nav_at_or_after(self.current_seq) or 0) if self.current_seq >= 1 else 0
        return seq, total, state, 1 if self.v.mode == Mode.AUTO else 0

    def send_mission_current(self) -> None:
        seq, total, state, mode = self.mission_current_fields()
        self.v.send_fields(
            "MISSION_CURRENT", {"seq": seq, "total": total, "mission_state": state, "mission_mode": mode}
        )

    # --- control -------------------------------------------------------------------------

    def start(self) -> None:
        """Entering AUTO (or arming in it): AP_Mission::start_or_resume.

        Resumes at the interrupted NAV item unless MIS_RESTART=1, the mission had completed or
        no item is pending (after a disarm, which resets the mission); then starts at item 1.
        """
        v = self.v
        if not v.armed or v.missions.mission_count() <= 1 or self.running:
            return
        restart = v.params.get_int("MIS_RESTART") == 1 or self.completed or self.current_seq < 1
        self.running = True
        self.completed = False
        if restart:
            self._jump_counts.clear()
        self.speed_override_mps = None
        first = 1 if restart else self.current_seq
        self.nav_index = None
        self.do_index = None
        self._waiting_for_start = not v.flight.flying
        self._advance_from(first)

    def stop(self) -> None:
        if self.running and self.nav_index is not None:
            # AP_Mission::resume restarts the active DO item if one is loaded, else the NAV item
            active_do = self.do_index is not None and self.do_index < self.nav_index
            self.current_seq = self.do_index if active_do else self.nav_index  # type: ignore[assignment]
        self.running = False
        self._waiting_for_start = False

    def starts_with_takeoff(self) -> bool:
        """AP_Mission::starts_with_takeoff_cmd: from the resume point (item 1 with MIS_RESTART=1)."""
        v = self.v
        index = self.current_seq if self.current_seq >= 1 and v.params.get_int("MIS_RESTART") != 1 else 1
        for _ in range(16):
            while (item := self._item(index)) is not None and not item.is_nav:
                index += 1
            if item is None:
                return False
            if item.command == CMD_TAKEOFF:
                return True
            if item.command != CMD_DELAY:
                return False
            index += 1
        return False

    def mission_start(self, first_item: float = 0.0, last_item: float = 0.0) -> int:
        """MAV_CMD_MISSION_START: ArduCopter refuses first/last items (DENIED); else AUTO and go.

        Returns the MAV_RESULT. It starts or resumes like entering AUTO: MISSION_START alone
        does not rewind an interrupted mission; use MISSION_SET_CURRENT first.
        """
        v = self.v
        if first_item != 0 or last_item != 0:
            return MAV_RESULT_DENIED
        if v.mode != Mode.AUTO and not v.set_mode(int(Mode.AUTO), reason="mission_start"):
            return MAV_RESULT_FAILED
        if self.completed:
            self.running = False  # AP_Mission state COMPLETE is not RUNNING: start again from item 1
        if not self.running:
            self.start()
        if self._waiting_for_start and v.armed:
            self._waiting_for_start = False
            self._start_nav(self.nav_index)
        return MAV_RESULT_ACCEPTED

    def set_current(self, seq: int) -> bool:
        """AP_Mission::set_current_cmd (MISSION_SET_CURRENT, DO_SET_MISSION_CURRENT).

        Running: fly on from ``seq``. Otherwise the resume point moves to the first NAV item at
        or after ``seq`` (0 means 1, with the jump counters reset) and a completed mission
        becomes resumable from there.
        """
        count = self.v.missions.mission_count()
        if not 0 <= seq < count or count <= 1:
            return False
        if seq == 0 or self.completed:
            self._jump_counts.clear()
        seq = max(seq, 1)
        if self._nav_at_or_after(seq) is None:
            return False
        self.completed = False
        if self.running:
            self.do_index = None
            self._advance_from(seq)
        else:
            # resume() restarts from here, DO items before the NAV item included
            self.current_seq = seq
        self.send_mission_current()
        return True

    def _nav_at_or_after(self, seq: int) -> int | None:
        index = seq
        while (item := self._item(index)) is not None and not item.is_nav:
            index += 1
        return None if item is None else index

    def before_disarm(self) -> None:
        """RTL/LAND items count as reached when the motors stop after landing."""
        if not self.running or self.nav_index is None or self.v.flight.flying:
            return
        item = self.v.missions.mission_item(self.nav_index)
        if item is not None and item.command in (CMD_RTL, CMD_LAND):
            self._reached(self.nav_index, item)
            self.completed = True

    def after_disarm(self) -> None:
        """Disarming resets the mission (AP_Arming_Copter::disarm -> AP_Mission::reset)."""
        self.running = False
        self._waiting_for_start = False
        self.current_seq = CMD_INDEX_NONE
        self.nav_index = None
        self.do_index = None
        self._jump_counts.clear()

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
        finished = self._item(self.do_index)
        if finished is not None and finished.command in CONDITION_COMMANDS:
            self.v.send_fields("MISSION_ITEM_REACHED", {"seq": self.do_index})
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
        """NAV item ``index`` done: MISSION_ITEM_REACHED, then ``Reached command #N`` (04's order).

        GCS::send_mission_item_reached_message keeps one pending number per link. When the NAV
        item is followed by a DO item ArduCopter verifies at once (DO_CHANGE_SPEED, DO_SET_HOME,
        ...), that DO starts and completes in the same AP_Mission::update and its number
        overwrites the NAV item's before the message goes out: the NAV item is never reported.
        """
        v = self.v
        reported = index
        first_do = self._first_do_after(index) if self.do_index is None else None
        if first_do is not None and first_do[1].command in DO_REACHED_AT_ONCE:
            reported = self._do_reported = first_do[0]
        v.send_fields("MISSION_ITEM_REACHED", {"seq": reported})
        if item.command in REACHED_TEXT_COMMANDS:
            v.send_text(6, f"Reached command #{index}")

    def _first_do_after(self, index: int) -> tuple[int, Item] | None:
        """The DO item ``_advance_from(index + 1)`` would start first, if any."""
        seq = index + 1
        for _ in range(1000):
            item = self._item(seq)
            if item is None or item.is_nav:
                return None
            if item.command == CMD_JUMP:
                seq = self._jump_target_peek(seq, item)
                continue
            return seq, item
        return None

    def _jump_target_peek(self, index: int, item: Item) -> int:
        repeat = int(item.param2)
        if repeat < 0 or self._jump_counts.get(index, 0) < repeat:
            return max(1, int(item.param1))
        return index + 1

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
            self._corner_turn_deg = 0.0
            corner_speed = self._corner_speed(index)
            fc.nav = Goto(
                north, east, height, speed_mps=self.speed_override_mps, end_speed_mps=corner_speed,
                yaw=fc.yaw, jerk_param="WPNAV_JERK",
            )  # fmt: skip
            # the turn starts early enough to take up the sideways speed without leaving the
            # track: the S-curve blends the corner, cutting it by well under a metre (04)
            _, accel = horizontal_limits(v)
            sideways = corner_speed * math.sin(math.radians(self._corner_turn_deg))
            self._pass_radius_m = max(PASS_THROUGH_RADIUS_M, sideways * sideways / (2.0 * accel * 2.0))

    def _corner_speed(self, index: int) -> float:
        """Speed to carry through waypoint ``index`` toward the next NAV item (0: stop there).

        AC_WPNav plans this leg and the next one only, so it must always be able to stop at
        the end of the next leg: the corner speed is capped by the jerk-limited stop within the
        next leg's length, and reduced with the turn angle (04: 3.0 m/s through 90 degrees).
        """
        item = self._item(index)
        if item is None or item.command != CMD_WAYPOINT or item.param1 > 0:
            return 0.0
        seq = index + 1
        while (nxt := self._item(seq)) is not None and not nxt.is_nav and nxt.command != CMD_JUMP:
            seq += 1
        if nxt is None or nxt.command != CMD_WAYPOINT or (nxt.x == 0 and nxt.y == 0):
            return 0.0
        v = self.v
        here = self._target_neh(item)
        there = self._target_neh(nxt)
        kin = v.kin
        course_in = bearing_deg(here[0] - kin.north_m, here[1] - kin.east_m)
        course_out = bearing_deg(there[0] - here[0], there[1] - here[1])
        turn = abs(wrap_180(course_out - course_in))
        speed, accel = horizontal_limits(v)
        if self.speed_override_mps:
            speed = self.speed_override_mps
        jerk = v.params.get("WPNAV_JERK") if "WPNAV_JERK" in v.params else 1.0
        next_leg_m = math.hypot(there[0] - here[0], there[1] - here[1])
        this_leg_m = self._leg_length_into(index, here)
        # a short leg is flown as its own stop-to-stop S-curve overlapped with its neighbours:
        # the speed through it stays near that profile's peak (accelerate and brake within it)
        short_leg = min(next_leg_m, this_leg_m)
        stop_speed = min(stoppable_speed(next_leg_m, accel, jerk), stoppable_speed(short_leg / 2.0, accel, jerk))
        self._corner_turn_deg = turn
        return min(stop_speed, speed * ((1.0 + math.cos(math.radians(turn))) / 2.0) ** 1.7)

    def _leg_length_into(self, index: int, here: tuple[float, float, float]) -> float:
        """Horizontal length of the leg that ends at NAV item ``index`` (from the NAV item before it)."""
        seq = index - 1
        while seq >= 1 and (item := self._item(seq)) is not None and not item.is_nav:
            seq -= 1
        prev = self._item(seq) if seq >= 1 else None
        if prev is None or prev.command != CMD_WAYPOINT or (prev.x == 0 and prev.y == 0):
            return math.inf  # from a take-off or a hold: the vehicle's own start
        there = self._target_neh(prev)
        return math.hypot(here[0] - there[0], here[1] - there[1])

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
        if nav.end_speed_mps > 0:
            # a corner flown through: the S-curve target turns at the waypoint and the vehicle
            # follows about a metre behind (04: reached ~1 m before the corner)
            radius = min(radius, self._pass_radius_m)
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
        if command in DO_REACHED_AT_ONCE:
            if self._do_reported == index:
                self._do_reported = None  # already reported in place of the NAV item before it
            else:
                v.send_fields("MISSION_ITEM_REACHED", {"seq": index})


def stoppable_speed(distance_m: float, accel_mss: float, jerk_mss: float) -> float:
    """Highest speed from which a jerk-limited stop (accel ramps at ``jerk``) fits in ``distance_m``."""
    if distance_m <= 0 or accel_mss <= 0 or jerk_mss <= 0:
        return 0.0

    def stop_m(speed: float) -> float:
        if speed >= accel_mss * accel_mss / jerk_mss:
            duration = speed / accel_mss + accel_mss / jerk_mss
        else:
            duration = 2.0 * math.sqrt(speed / jerk_mss)
        return speed * duration / 2.0

    low, high = 0.0, 50.0
    for _ in range(40):
        mid = 0.5 * (low + high)
        if stop_m(mid) > distance_m:
            high = mid
        else:
            low = mid
    return low
