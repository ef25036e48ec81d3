"""Sample publicity content for the sample county: approved clips, the playlist 反诈宣传, market attendance.

``load_sample_content()`` adds, only where missing (running it again changes nothing):

- four approved sample clips (反诈 twice, 防溺水, 交通安全) with their Chinese scripts; their recordings are
  tones synthesised at load time with ``wave`` (a sample has no real voice), marked as sample data;
- the playlist 反诈宣传 of the two anti-fraud clips;
- an expected attendance on every sample market that has none, by market size: the length of its street
  (or half its area's outline) maps a rural market (大集) into 2,000–5,000 people and a night market (夜市)
  into 1,500–3,000, rounded to hundreds, so the same market always gets the same number.

Everything goes through the services as the system actor, so each write is audited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import transaction

from campaigns.content.audio import tone_wav
from campaigns.content.services import clip_approve, clip_create, clip_submit, playlist_create
from campaigns.models import Clip, Playlist, Theme
from common.errors import DomainError
from common.roles import SYSTEM
from drones.models import Market

SAMPLE_PLAYLIST = "反诈宣传"

# (title, theme, script, seconds, tone Hz)
SAMPLE_CLIPS: list[tuple[str, str, str, float, float]] = [
    (
        "反诈提醒：不听不信不转账（样例）",
        Theme.ANTI_FRAUD,
        "乡亲们请注意：公安民警提醒您，不听、不信、不转账！陌生来电说您涉嫌洗钱、要求转到“安全账户”的，"
        "都是诈骗。刷单返利、网上贷款先交钱、冒充客服退款，都是诈骗。遇到可疑情况，请拨打 96110 或 110。",
        24.0,
        440.0,
    ),
    (
        "反诈提醒：刷单返利都是诈骗（样例）",
        Theme.ANTI_FRAUD,
        "网上兼职刷单，先垫钱再返利，一开始给您小甜头，等您投入大钱就拉黑跑路。凡是让您先交钱的兼职，都是诈骗！"
        "请下载国家反诈中心 App，守好您的钱袋子。",
        18.0,
        523.0,
    ),
    (
        "防溺水安全提示（样例）",
        Theme.DROWNING,
        "家长朋友们：暑期天气炎热，请管好自家孩子，做到“六不”：不私自下水游泳，不擅自与他人结伴游泳，"
        "不在无家长或教师带领的情况下游泳，不到无安全设施、无救援人员的水域游泳，不到不熟悉的水域游泳，"
        "不熟悉水性的学生不擅自下水施救。",
        22.0,
        392.0,
    ),
    (
        "交通安全提示（样例）",
        Theme.TRAFFIC,
        "赶集的乡亲们请注意交通安全：骑电动车请佩戴头盔，不超员、不逆行；集市路段人多车多，请减速慢行，"
        "服从交警和协管员指挥。平安出行，幸福回家。",
        16.0,
        330.0,
    ),
]

ATTENDANCE_RANGE = {Market.Kind.RURAL: (2000, 5000), Market.Kind.NIGHT: (1500, 3000)}
FULL_SIZE_M = 1000.0  # a street this long or longer gets the top of its kind's range


@dataclass
class SampleContentSummary:
    clips_created: int = 0
    playlists_created: int = 0
    markets_updated: int = 0

    def line(self) -> str:
        return (
            f"Sample content: {self.clips_created} clip(s) and {self.playlists_created} playlist(s) created; "
            f"attendance set on {self.markets_updated} market(s)."
        )


def _line_length_m(coordinates: list) -> float:
    """Length of a WGS-84 [lon, lat] polyline in metres (equirectangular; a market is a few hundred metres)."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(coordinates, coordinates[1:], strict=False):
        mean_lat = math.radians((lat1 + lat2) / 2)
        dx = math.radians(lon2 - lon1) * math.cos(mean_lat) * 6_371_000
        dy = math.radians(lat2 - lat1) * 6_371_000
        total += math.hypot(dx, dy)
    return total


def market_size_m(market: Market) -> float:
    """The market's size: its street's length, or half its area's outline, in metres."""
    if market.street and market.street.get("coordinates"):
        return _line_length_m([tuple(p[:2]) for p in market.street["coordinates"]])
    if market.area and market.area.get("coordinates"):
        return _line_length_m([tuple(p[:2]) for p in market.area["coordinates"][0]]) / 2
    return 0.0


def sample_attendance(market: Market) -> int:
    """People per session for a sample market: its kind's range, placed by its size, rounded to hundreds."""
    low, high = ATTENDANCE_RANGE.get(market.kind, ATTENDANCE_RANGE[Market.Kind.RURAL])
    share = min(1.0, max(0.0, market_size_m(market) / FULL_SIZE_M))
    return int(round((low + (high - low) * share) / 100) * 100)


def _load_markets(summary: SampleContentSummary) -> None:
    from drones.airspace.services import market_save

    for market in Market.objects.filter(is_sample=True, attendance__isnull=True).order_by("pk"):
        market.attendance = sample_attendance(market)
        market_save(market=market, actor=SYSTEM, reason="按集市规模估算的样例赶集人数")
        summary.markets_updated += 1


@transaction.atomic
def load_sample_content() -> SampleContentSummary:
    summary = SampleContentSummary()
    clips: dict[str, Clip] = {}
    for title, theme, script, seconds, frequency in SAMPLE_CLIPS:
        clip = Clip.objects.filter(title=title, is_sample=True).first()
        if clip is None:
            clip = clip_create(
                title=title,
                theme=theme,
                script=script,
                audio=tone_wav(seconds=seconds, frequency_hz=frequency),
                actor=SYSTEM,
                is_sample=True,
            )
            clip = clip_submit(clip=clip, actor=SYSTEM)
            clip = clip_approve(clip=clip, actor=SYSTEM)
            summary.clips_created += 1
        clips[title] = clip
    if not Playlist.objects.filter(name=SAMPLE_PLAYLIST).exists():
        anti_fraud = [clips[title].pk for title, theme, *_rest in SAMPLE_CLIPS if theme == Theme.ANTI_FRAUD]
        playlist_create(name=SAMPLE_PLAYLIST, clips=anti_fraud, actor=SYSTEM, is_sample=True)
        summary.playlists_created += 1
    _load_markets(summary)
    return summary


# --- the sample campaign (campaigns.reporting): 反诈宣传进大集 this month, scheduled, a few sorties flown ---

SAMPLE_CAMPAIGN = "反诈宣传进大集（样例）"
SAMPLE_CAMPAIGN_TARGET = 10_000
SAMPLE_SOLVER_TIME_S = 3.0


@dataclass
class SampleCampaignSummary:
    campaign_created: bool = False
    occurrences: int = 0
    sorties: int = 0
    flights: int = 0
    schedule_note: str = ""

    def line(self) -> str:
        if not self.campaign_created and not self.flights:
            return f"Sample campaign {SAMPLE_CAMPAIGN}: already loaded."
        return (
            f"Sample campaign {SAMPLE_CAMPAIGN}: {self.occurrences} occurrence(s), {self.sorties} sortie(s), "
            f"{self.flights} sample flight(s) flown and measured. {self.schedule_note}".rstrip()
        )


def _sample_campaign_schedule(campaign) -> str:
    """Schedule the sample campaign with a short solver time; a note when it cannot (nothing half written)."""
    from django.test.utils import override_settings

    try:
        from campaigns.planning.schedule import campaign_schedule
    except ImportError as exc:  # the scheduler is not there: the campaign stays unscheduled
        return f"Not scheduled: {exc}."
    try:
        with transaction.atomic(), override_settings(CAMPAIGN_SOLVER_TIME_S=SAMPLE_SOLVER_TIME_S):
            campaign_schedule(campaign=campaign, actor=SYSTEM)
    except DomainError as exc:
        return f"Not scheduled: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - a scheduler fault must not stop `make run`; the note says it
        return f"Not scheduled: the scheduler failed ({type(exc).__name__}: {exc})."
    return ""


def load_sample_campaign(*, today=None) -> SampleCampaignSummary:
    """The sample campaign 反诈宣传进大集 over the sample markets this month with the sample playlist: its
    occurrences, a schedule (``campaign_schedule``), and up to three past sorties flown with sample flights
    and measured. Only what is missing is added: a second load changes nothing."""
    import calendar

    from django.utils import timezone

    from campaigns.models import Campaign, Sortie
    from campaigns.planning.occurrences import occurrences_build
    from campaigns.planning.services import CampaignInput, campaign_create
    from campaigns.reporting.sample_flights import sample_flights_load

    summary = SampleCampaignSummary()
    playlist = Playlist.objects.filter(name=SAMPLE_PLAYLIST).first()
    markets = list(Market.objects.filter(is_sample=True, attendance__isnull=False).order_by("pk"))
    if playlist is None or not markets:
        summary.schedule_note = "Skipped: load the sample markets and content first."
        return summary
    campaign = Campaign.objects.filter(name=SAMPLE_CAMPAIGN).first()
    if campaign is None:
        today = today or timezone.localdate()
        with transaction.atomic():
            campaign = campaign_create(
                values=CampaignInput(
                    name=SAMPLE_CAMPAIGN, theme=Theme.ANTI_FRAUD, start_date=today.replace(day=1),
                    end_date=today.replace(day=calendar.monthrange(today.year, today.month)[1]), playlist=playlist,
                    reach_target=SAMPLE_CAMPAIGN_TARGET, market_scope=Campaign.MarketScope.CHOSEN, markets=markets,
                ),
                actor=SYSTEM,
            )  # fmt: skip
            Campaign.objects.filter(pk=campaign.pk).update(is_sample=True)
            occurrences_build(campaign=campaign, actor=SYSTEM)
        summary.campaign_created = True
        summary.schedule_note = _sample_campaign_schedule(campaign)
    summary.flights = sample_flights_load(campaign)
    summary.occurrences = campaign.occurrences.count()
    summary.sorties = Sortie.objects.filter(occurrence__campaign=campaign).count()
    return summary
