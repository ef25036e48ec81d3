"""How a drone's loudspeaker (喊话器) is switched by mission items: ``SpeakerConfig`` makes the DO item that
switches it on or off (DO_SET_RELAY or DO_SET_SERVO) and reads such an item back, refusing one that
switches something else or in a way a route cannot say (``DecompileError``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

from drones.missions.items import CMD_DO_SET_RELAY, CMD_DO_SET_SERVO, FRAME_MISSION, DecompileError, command_name
from drones.vehicle import MissionItem


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """How the loudspeaker (喊话器) is switched: a relay (DO_SET_RELAY) or a servo output (DO_SET_SERVO).

    ``relay`` is ArduPilot's 0-based relay instance: 0 = RELAY1, which SITL has on
    pin 13 (RELAY1_FUNCTION 1, RELAY1_PIN 13). ``servo`` is the 1-based output channel
    (SERVOn); its ``SERVOn_FUNCTION`` must be 0 (disabled / "RCPassThru" free) so that
    DO_SET_SERVO may drive it; ``on_pwm``/``off_pwm`` in microseconds.
    """

    output: Literal["relay", "servo"] = "relay"
    relay: int = 0
    servo: int = 9
    on_pwm: int = 1900
    off_pwm: int = 1100

    def __post_init__(self) -> None:
        if self.output not in ("relay", "servo"):
            raise ValueError(
                _("The loudspeaker output must be 'relay' or 'servo', not %(output)r.") % {"output": self.output}
            )
        if not 0 <= self.relay <= 15:
            raise ValueError(_("Relay instance %(relay)s is out of range (0-15; 0 = RELAY1).") % {"relay": self.relay})
        if not 1 <= self.servo <= 32:
            raise ValueError(_("Servo output %(servo)s is out of range (1-32).") % {"servo": self.servo})
        for pwm in (self.on_pwm, self.off_pwm):
            if not 500 <= pwm <= 2500:
                raise ValueError(_("PWM %(pwm)s µs is out of range (500-2500).") % {"pwm": pwm})
        if self.output == "servo" and self.on_pwm == self.off_pwm:
            raise ValueError(_("The on and off PWM of the loudspeaker servo must differ."))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SpeakerConfig:
        return cls(**(data or {}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "relay": self.relay,
            "servo": self.servo,
            "on_pwm": self.on_pwm,
            "off_pwm": self.off_pwm,
        }

    def describe(self) -> str:
        if self.output == "relay":
            return _("relay RELAY%(n)d (DO_SET_RELAY %(instance)d)") % {"n": self.relay + 1, "instance": self.relay}
        return _("servo output %(servo)d (DO_SET_SERVO, on %(on)d µs, off %(off)d µs)") % {
            "servo": self.servo,
            "on": self.on_pwm,
            "off": self.off_pwm,
        }

    def item(self, on: bool) -> MissionItem:
        """The DO item switching the loudspeaker on or off."""
        if self.output == "relay":
            return MissionItem(CMD_DO_SET_RELAY, FRAME_MISSION, param1=float(self.relay), param2=1.0 if on else 0.0)
        pwm = self.on_pwm if on else self.off_pwm
        return MissionItem(CMD_DO_SET_SERVO, FRAME_MISSION, param1=float(self.servo), param2=float(pwm))

    def reads(self, item: MissionItem, seq: int) -> bool:
        """Whether ``item`` (a DO_SET_RELAY/DO_SET_SERVO) switches the loudspeaker on; DecompileError if it
        switches something else or in a way a route cannot say."""
        name = command_name(item.command)
        if item.command == CMD_DO_SET_RELAY:
            if self.output != "relay" or item.param1 != self.relay:
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) switches relay instance %(relay)g (RELAY%(number)g), but the "
                        "loudspeaker is on %(speaker)s."
                    )
                    % {
                        "seq": seq,
                        "name": name,
                        "relay": item.param1,
                        "number": item.param1 + 1,
                        "speaker": self.describe(),
                    },
                    seq=seq,
                    code="speaker_output",
                )
            if item.param2 not in (0.0, 1.0):
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) sets the relay to %(state)g; only 1 (on) and 0 (off) can "
                        "be represented (2 = toggle cannot)."
                    )
                    % {"seq": seq, "name": name, "state": item.param2},
                    seq=seq,
                    code="speaker_state",
                )
            return item.param2 == 1.0
        if item.command == CMD_DO_SET_SERVO:
            if self.output != "servo" or item.param1 != self.servo:
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) drives servo output %(servo)g, but the loudspeaker is on "
                        "%(speaker)s."
                    )
                    % {"seq": seq, "name": name, "servo": item.param1, "speaker": self.describe()},
                    seq=seq,
                    code="speaker_output",
                )
            if item.param2 not in (float(self.on_pwm), float(self.off_pwm)):
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) sets PWM %(pwm)g µs; the loudspeaker is on at %(on)d µs "
                        "and off at %(off)d µs."
                    )
                    % {"seq": seq, "name": name, "pwm": item.param2, "on": self.on_pwm, "off": self.off_pwm},
                    seq=seq,
                    code="speaker_state",
                )
            return item.param2 == float(self.on_pwm)
        raise ValueError(f"not a loudspeaker command: {item.command}")


DEFAULT_SPEAKER = SpeakerConfig()
