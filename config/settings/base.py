"""Settings shared by every environment.

The embedded default needs no environment variables: SQLite and the in-memory
channel layer. ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (channels_redis)
switch to the scale path. Every read goes through ``common.env``.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from common.env import env_bool, env_database, env_float, env_int, env_list, env_str, env_url
from common.tiles import parse_map_tiles

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("SCHOOLSAFE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Websockets are accepted from the site's own origin (scheme, host, port), CSRF_TRUSTED_ORIGINS and
# these (``https://maps.example.org``): see common.websockets.
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", [])
# How often an open websocket re-checks that its session and role still stand (0: only on messages).
WEBSOCKET_SESSION_RECHECK_S = env_int("WEBSOCKET_SESSION_RECHECK_S", 60, min_value=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "axes",  # login throttling; before "common", whose admin extends axes'
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "imports",
    "campus",
    "incidents",
    "drills",
    "patrol",
    "drones",
    "campaigns",
    "simulators",
    "notices",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the "try again at" page
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
                "common.tiles.basemap_context",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", str(VAR_DIR / "schoolsafe.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # No read timeout, as channels_redis expects. It waits for messages with BZPOPMIN for up to
                # 5 s; redis-py 8 gives up on a read after 5 s by default, so every receive that waited that
                # long (a quiet viewer, the bridge's command channel) raised TimeoutError, closing the
                # socket or stopping the bridge. With a finite timeout (tried: 30 s), a consumer cancelled
                # while its read waits (its socket closed) kept receiving forever (redis-py 8.1, Python
                # 3.11: the cancellation is lost inside the timed read), so uvicorn never finished
                # shutting down with 100 viewers connected.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "capacity": env_int("CHANNEL_CAPACITY", 1000, min_value=10),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "drones.bridge.inmemory.InMemoryChannelLayer",  # channels' own, cheaper per viewer
            "CONFIG": {"capacity": env_int("CHANNEL_CAPACITY", 1000, min_value=10)},
        }
    }

# The cache holds live drone state (latest telemetry per drone) shared by web processes and bridges.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "schoolsafe",
            # A Redis host that is down fails a cache call in 2 s instead of the OS's connect timeout
            # (the mission checks then go on with the airspace table's fingerprint alone).
            "OPTIONS": {"socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "schoolsafe"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Chinese first, English switchable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: imports are small files; anything larger is refused with a clear message.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, min_value=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

REST_FRAMEWORK = {
    # Token first so an unauthenticated API call gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.tokens.ApiTokenAuthentication",  # expiring, revocable tokens (common.ApiToken)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SchoolSafe API",
    "DESCRIPTION": "School safety (一校一警, 护学岗, drills, incidents) and police drone operations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ImportBatchStatusEnum": "imports.models.ImportBatch.Status",
        "DashboardLevelEnum": "common.dashboard.LEVELS",
        "DroneStatusEnum": "drones.models.Drone.Status",
        "WindowKindEnum": "patrol.models.WindowKind",
        "DutyRoleEnum": "patrol.models.DutyRole",
        "CalendarOverrideKindEnum": "campus.models.CalendarOverride.Kind",
        "SchoolClosureKindEnum": "campus.models.SchoolClosure.Kind",
        "LeaveKindEnum": "patrol.models.Leave.Kind",
        "RosterStatusEnum": "patrol.models.Roster.Status",
        "AssignmentSourceEnum": "patrol.models.DutyAssignment.Source",
        "SwapStatusEnum": "patrol.models.SwapRequest.Status",
        "IncidentCategoryEnum": "incidents.models.IncidentCategory",
        "IncidentSeverityEnum": "incidents.models.Severity",
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "IncidentEventKindEnum": "incidents.models.IncidentEvent.Kind",
        "FollowUpStatusEnum": "incidents.models.FollowUp.Status",
        "SatisfactionEnum": "incidents.models.FollowUp.Satisfaction",
        "FollowUpChannelEnum": "incidents.models.FollowUp.Channel",
        "RectificationStatusEnum": "incidents.models.Rectification.Status",
        "SchoolLevelEnum": "campus.models.School.Level",
        "ActivityKindEnum": "drills.models.Activity.Kind",
        "AttachmentKindEnum": "drills.models.Attachment.Kind",
        "DrillStatusEnum": "drills.models.Drill.Status",
        "DrillRulePeriodEnum": "drills.models.DrillRule.Period",
        "CorrectiveActionStatusEnum": "drills.models.CorrectiveAction.Status",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "OccurrenceStatusEnum": "campaigns.models.Occurrence.Status",
        "SortieStatusEnum": "campaigns.models.Sortie.Status",
        "FlightApplicationStatusEnum": "campaigns.models.FlightApplication.Status",
    },
}

# Maps: no tile layer by default so the map works offline with vector layers only.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
# Offline base maps served by the app at /tiles/ (common.tiles): every <layer>.mbtiles in MAP_TILES_DIR
# (manage.py import_mbtiles puts files there; the sample county's map is "sample"), plus MAP_TILES, JSON
# naming more files: {"streets": {"path": "/srv/tiles/streets.mbtiles", "label": "街道"},
# "notes": {"path": "...", "overlay": true, "crs": "gcj02"}}. A bad value stops the start with its reason.
MAP_TILES_DIR = Path(env_str("MAP_TILES_DIR", str(VAR_DIR / "tiles")))
MAP_TILES = parse_map_tiles(env_str("MAP_TILES", ""))
MAP_CENTER = (36.18, 118.17)

# 一校一警: default cap on schools per liaison officer; a station may set its own.
LIAISON_MAX_SCHOOLS_PER_OFFICER = env_int("LIAISON_MAX_SCHOOLS_PER_OFFICER", 6, min_value=1, max_value=100)

# Drones (used from issue 3 on): legal ceiling in metres above ground.
DRONE_MAX_HEIGHT_M = env_float("DRONE_MAX_HEIGHT_M", 120.0, min_value=1.0, max_value=500.0)
# Line of sight: no waypoint further than this from the launch point.
DRONE_MAX_DISTANCE_M = env_float("DRONE_MAX_DISTANCE_M", 500.0, min_value=10.0, max_value=5000.0)
# Battery that must be left at landing, percent of the drone's endurance.
DRONE_BATTERY_RESERVE_PCT = env_float("DRONE_BATTERY_RESERVE_PCT", 25.0, min_value=0.0, max_value=90.0)
# Preflight: the drone must stand this close to the mission's planned launch point.
DRONE_LAUNCH_TOLERANCE_M = env_float("DRONE_LAUNCH_TOLERANCE_M", 30.0, min_value=1.0, max_value=500.0)
# Preflight: fewest GPS satellites to start a mission.
DRONE_MIN_SATELLITES = env_int("DRONE_MIN_SATELLITES", 6, min_value=4, max_value=30)
# Terrain model (drones.terrain): a single-band GeoTIFF of ground heights above sea level, any CRS (SRTM,
# ASTER GDEM, Copernicus GLO-30 tiles of the county). With one, the checks test heights above the ground too.
# "sample" (the default): <MAP_TILES_DIR>/sample-terrain.tif when manage.py load_sample_terrain has written
# it, else none; "none": no terrain model; otherwise the file's path (a missing file stops the start).
DRONE_TERRAIN_DEM = env_str("DRONE_TERRAIN_DEM", "sample")
if DRONE_TERRAIN_DEM.lower() not in ("sample", "none", "off") and not Path(DRONE_TERRAIN_DEM).is_file():
    from common.env import EnvError

    raise EnvError(f"DRONE_TERRAIN_DEM: {DRONE_TERRAIN_DEM!r} is not a file (a GeoTIFF; 'none' for no terrain model).")
# With a terrain model: the least height above the ground anywhere along the route (trees, masts, buildings).
DRONE_MIN_CLEARANCE_M = env_float("DRONE_MIN_CLEARANCE_M", 10.0, min_value=0.0, max_value=100.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]

# Drones. The telemetry bridge runs inside the web process (embedded) unless REDIS_URL is set, when
# it runs as its own process(es): manage.py run_drone_bridge [--shard I --shards N].
DRONE_BRIDGE_EMBEDDED = env_bool("DRONE_BRIDGE_EMBEDDED", not REDIS_URL)
DRONE_UI_RATE_HZ = env_float("DRONE_UI_RATE_HZ", 5.0, min_value=0.5, max_value=50.0)
DRONE_HEARTBEAT_TIMEOUT_S = env_float("DRONE_HEARTBEAT_TIMEOUT_S", 3.0, min_value=1.0, max_value=30.0)
# Live telemetry (drones.bridge.fanout): an update older than this when it reaches a viewer's socket is
# marked "delayed", never shown as live. With Redis, bridges publish each tick on this pub/sub channel;
# pub/sub ignores database numbers, so the default names REDIS_URL's database (other runs stay apart).
DRONE_LIVE_DELAYED_S = env_float("DRONE_LIVE_DELAYED_S", 1.0, min_value=0.1, max_value=60.0)
# The part of a position's age no clock here can see: the fastest the vehicle's link and the path to
# the browser ever carry one is learnt as zero delay (drones.bridge.freshness, static/js/live_clock.js).
# The server and the pages call an update delayed this much before DRONE_LIVE_DELAYED_S.
DRONE_LIVE_UNSEEN_DELAY_S = env_float("DRONE_LIVE_UNSEEN_DELAY_S", 0.1, min_value=0.0, max_value=10.0)
DRONE_TELEMETRY_CHANNEL = env_str(
    "DRONE_TELEMETRY_CHANNEL", "schoolsafe:telemetry:" + (REDIS_URL.rsplit("/", 1)[-1] if REDIS_URL else "0")
)
# The bridge's own HEARTBEAT to each vehicle, every this many seconds: ArduCopter's GCS failsafe
# (FS_GCS_TIMEOUT, 5 s by default) fires without it. Shorter only for a simulator run sped up.
DRONE_GCS_HEARTBEAT_S = env_float("DRONE_GCS_HEARTBEAT_S", 1.0, min_value=0.05, max_value=2.0)
DRONE_COMMAND_TIMEOUT_S = env_float("DRONE_COMMAND_TIMEOUT_S", 15.0, min_value=1.0, max_value=120.0)
DRONE_LINK_BACKEND = env_str("DRONE_LINK_BACKEND", "pymavlink")
# Vehicle links the bridge may open (drones.linkpolicy): hosts as IP networks or exact names, and ports.
# Loopback by default (simulators, a local SITL); add the telemetry radios' network, e.g. 10.20.0.0/24.
DRONE_LINK_NETWORKS = env_list("DRONE_LINK_NETWORKS", ["127.0.0.0/8", "::1/128"])
DRONE_LINK_HOSTS = env_list("DRONE_LINK_HOSTS", ["localhost"])
DRONE_LINK_PORTS = env_str("DRONE_LINK_PORTS", "1024-65535")
# An operator's control lock lapses this many seconds after its last renewal.
DRONE_CONTROL_LOCK_S = env_int("DRONE_CONTROL_LOCK_S", 120, min_value=10, max_value=3600)
# Track points: a parked drone (disarmed, not moving) is stored once every DRONE_TRACK_PARKED_S seconds
# instead of every second (0: every second); points older than DRONE_TRACK_RETENTION_DAYS are deleted
# daily (every DRONE_TRACK_PURGE_INTERVAL_S; 0 turns the job off), except those of flights.
DRONE_TRACK_PARKED_S = env_float("DRONE_TRACK_PARKED_S", 60.0, min_value=0.0, max_value=3600.0)
DRONE_TRACK_RETENTION_DAYS = env_int("DRONE_TRACK_RETENTION_DAYS", 90, min_value=0, max_value=36500)
DRONE_TRACK_PURGE_INTERVAL_S = env_float("DRONE_TRACK_PURGE_INTERVAL_S", 86400.0, min_value=0.0, max_value=604800.0)
# Live video of the drones (a drone's video URL: HLS, WebRTC/WHEP or HTTP-FLV from a media server): the
# origins (scheme://host[:port]) the pages may load it from, added to the CSP's media-src and connect-src.
# A drone's video URL must be on one of them. Snapshots of the video go to the flight log, at most this big.
DRONE_VIDEO_ORIGINS = env_list("DRONE_VIDEO_ORIGINS", [])
for _origin in DRONE_VIDEO_ORIGINS:
    from urllib.parse import urlsplit as _split

    _parts = _split(_origin)
    if _parts.scheme not in ("http", "https") or not _parts.hostname or _parts.path not in ("", "/") or _parts.query:
        from common.env import EnvError

        raise EnvError(f"DRONE_VIDEO_ORIGINS: {_origin!r} is not an origin such as http://192.0.2.10:8080.")
DRONE_VIDEO_ORIGINS = [origin.rstrip("/") for origin in DRONE_VIDEO_ORIGINS]
DRONE_SNAPSHOT_MAX_BYTES = env_int("DRONE_SNAPSHOT_MAX_BYTES", 8 * 1024 * 1024, min_value=1024)

# --- 护学岗 (patrol) ---
# Travel between consecutive posts is the straight-line distance at this speed (a patrol car in town).
PATROL_TRAVEL_SPEED_KMH = env_float("PATROL_TRAVEL_SPEED_KMH", 30.0, min_value=1.0, max_value=120.0)
# Minimum break between the end of one duty and the start of the next, on top of travel.
PATROL_MIN_REST_MIN = env_int("PATROL_MIN_REST_MIN", 10, min_value=0, max_value=720)
PATROL_MAX_DUTIES_PER_DAY = env_int("PATROL_MAX_DUTIES_PER_DAY", 3, min_value=1, max_value=10)
PATROL_MAX_DUTIES_PER_WEEK = env_int("PATROL_MAX_DUTIES_PER_WEEK", 12, min_value=1, max_value=50)
PATROL_SOLVER_TIME_LIMIT_S = env_float("PATROL_SOLVER_TIME_LIMIT_S", 30.0, min_value=1.0, max_value=600.0)
# A check-in this many minutes after the window opened is late; with none by then the post is missing.
PATROL_LATE_GRACE_MIN = env_int("PATROL_LATE_GRACE_MIN", 5, min_value=0, max_value=60)

# --- incident reports ---
# Minutes to acknowledge a report, per severity; past it the report escalates to the station head,
# past twice it to the patrol brigade. Resolution limits flag overdue reports on every board.
INCIDENT_ACK_MINUTES = {
    "urgent": env_int("INCIDENT_ACK_MINUTES_URGENT", 5, min_value=1, max_value=1440),
    "high": env_int("INCIDENT_ACK_MINUTES_HIGH", 15, min_value=1, max_value=1440),
    "medium": env_int("INCIDENT_ACK_MINUTES_MEDIUM", 60, min_value=1, max_value=10080),
    "low": env_int("INCIDENT_ACK_MINUTES_LOW", 240, min_value=1, max_value=10080),
}
INCIDENT_RESOLVE_HOURS = {
    "urgent": env_int("INCIDENT_RESOLVE_HOURS_URGENT", 4, min_value=1, max_value=720),
    "high": env_int("INCIDENT_RESOLVE_HOURS_HIGH", 24, min_value=1, max_value=720),
    "medium": env_int("INCIDENT_RESOLVE_HOURS_MEDIUM", 72, min_value=1, max_value=720),
    "low": env_int("INCIDENT_RESOLVE_HOURS_LOW", 168, min_value=1, max_value=720),
}
# The follow-up (回访) is due this many hours after resolution; a rectification item this many days after.
# Every web process checks for reports to escalate this often (0 = only manage.py escalate_incidents).
INCIDENT_ESCALATE_INTERVAL_S = env_float("INCIDENT_ESCALATE_INTERVAL_S", 60.0, min_value=0.0, max_value=3600.0)
INCIDENT_FOLLOW_UP_HOURS = env_int("INCIDENT_FOLLOW_UP_HOURS", 48, min_value=1, max_value=720)
INCIDENT_RECTIFY_DAYS = env_int("INCIDENT_RECTIFY_DAYS", 7, min_value=1, max_value=90)
INCIDENT_PHOTO_MAX_BYTES = env_int("INCIDENT_PHOTO_MAX_BYTES", 8 * 1024 * 1024, min_value=1024)
INCIDENT_PHOTOS_MAX = env_int("INCIDENT_PHOTOS_MAX", 6, min_value=0, max_value=20)
INCIDENT_PHOTO_MAX_SIDE_PX = env_int("INCIDENT_PHOTO_MAX_SIDE_PX", 2048, min_value=256, max_value=8192)
# More pixels than this is a decompression bomb, not a phone photo (a 48 MP sensor makes 48 M).
INCIDENT_PHOTO_MAX_PIXELS = env_int("INCIDENT_PHOTO_MAX_PIXELS", 64_000_000, min_value=1_000_000)
# All the photos of one report together (a report of six 48 MP phone photos is 288 M).
INCIDENT_PHOTOS_MAX_PIXELS_TOTAL = env_int("INCIDENT_PHOTOS_MAX_PIXELS_TOTAL", 300_000_000, min_value=1_000_000)
# Uploaded images (incident photos, drill and plan attachments): memory for one decode (a PNG cannot be
# decoded at a reduced scale, so this caps it at about 32 MP) and how many decode at once per process.
IMAGE_DECODE_MAX_BYTES = env_int("IMAGE_DECODE_MAX_BYTES", 128 * 1024 * 1024, min_value=16 * 1024 * 1024)
IMAGE_DECODE_CONCURRENCY = env_int("IMAGE_DECODE_CONCURRENCY", 2, min_value=1, max_value=64)
# Report references read <prefix>-YYYYMMDD-NNNN (校安, "XA").
INCIDENT_REFERENCE_PREFIX = env_str("INCIDENT_REFERENCE_PREFIX", "XA")

# --- Content-Security-Policy ---
# django-csp 4 (csp.middleware.CSPMiddleware) sends this on every response; the API docs views widen it
# for themselves in config/urls.py. Every script and stylesheet of the site is a file under /static/:
# templates carry no inline <script>, <style>, on*= handler or style="" attribute (tests/security/test_csp.py),
# so neither script-src nor style-src needs 'unsafe-inline' or a nonce. Leaflet positions and sizes its
# panes through element.style (the CSSOM), which CSP does not restrict, and its images are files or data: URIs.
_CSP_IMG_SRC = ["'self'", "data:", "blob:"]
if MAP_TILE_URL:
    # Only the tile server's origin; Leaflet's {s} subdomain placeholder becomes a wildcard host label.
    from urllib.parse import urlsplit

    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    _CSP_IMG_SRC.append(f"{_tiles.scheme}://{_tiles.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _CSP_IMG_SRC,
        "font-src": ["'self'"],
        # 'self' covers ws:// and wss:// to the page's own host and port (CSP Level 3; Chromium and Firefox
        # do, Safari from 15.4): the live maps, boards and alerts open their websockets there.
        "connect-src": ["'self'", *DRONE_VIDEO_ORIGINS],
        # The drones' live video: <video> from the media servers, or MediaSource (hls.js, mpegts.js) as blob:.
        "media-src": ["'self'", "blob:", *DRONE_VIDEO_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- login throttling and API tokens ---
# django-axes counts failed logins per account and per client address, separately: LOGIN_FAILURE_LIMIT
# failures for one user name (from anywhere) or from one address (for any user name) lock that account
# or address until LOGIN_COOLOFF_MINUTES have passed since its last failure (a failure while locked
# out, the right password included, starts the cool-off again). Admins see and clear lockouts in the
# admin (Axes: access attempts) or with manage.py axes_reset; lockouts and unlocks are audited.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, min_value=1, max_value=1000)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, min_value=1, max_value=7 * 24 * 60) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "common.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.login_throttle.client_ip"
AXES_VERBOSE = False  # no start-up banner on every manage.py command; lockouts are in the audit log
# The client address is REMOTE_ADDR (uvicorn already sets it from X-Forwarded-For for connections
# from its --forwarded-allow-ips, 127.0.0.1 by default). Behind another proxy, name the header that
# proxy sets and overwrites (X-Real-IP; of a list, the right-most address counts): a header the
# client can set itself would let it pick a fresh address per guess.
TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER", "")
# API tokens: lifetime chosen at creation, this by default, at most API_TOKEN_MAX_TTL_DAYS.
API_TOKEN_MAX_TTL_DAYS = env_int("API_TOKEN_MAX_TTL_DAYS", 365, min_value=1, max_value=3650)
API_TOKEN_TTL_DAYS = env_int(
    "API_TOKEN_TTL_DAYS", min(30, API_TOKEN_MAX_TTL_DAYS), min_value=1, max_value=API_TOKEN_MAX_TTL_DAYS
)

# --- exports ---
# XLSX reports, mission files and flight logs (common/exports.py): at most EXPORT_MAX_CONCURRENT built at
# once per process (one more gets 503 and Retry-After: EXPORT_RETRY_AFTER_S); a build whose client has
# gone stops within EXPORT_BATCH_ROWS rows. Every attempt is audited as export.<kind>.
EXPORT_MAX_CONCURRENT = env_int("EXPORT_MAX_CONCURRENT", 2, min_value=1, max_value=64)
EXPORT_RETRY_AFTER_S = env_int("EXPORT_RETRY_AFTER_S", 30, min_value=1, max_value=3600)
EXPORT_BATCH_ROWS = env_int("EXPORT_BATCH_ROWS", 500, min_value=1, max_value=100000)

# --- imports: limits ---
# An import file is read whole before anything is written; these bound the work one file can cause and
# refuse it, naming the limit, as soon as one is passed. A county registry is a few thousand rows and its
# boundaries some hundred thousand vertices: the defaults leave a wide margin (docs/import-formats.md).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000, min_value=100)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200, min_value=20, max_value=16_384)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 2_000_000, min_value=1000)
IMPORT_MAX_FEATURES = env_int("IMPORT_MAX_FEATURES", 100_000, min_value=100)
IMPORT_MAX_VERTICES = env_int("IMPORT_MAX_VERTICES", 2_000_000, min_value=10_000)
IMPORT_MAX_LAYERS = env_int("IMPORT_MAX_LAYERS", 100, min_value=1)
# What a zipped Shapefile or an XLSX workbook may unpack to (zip bombs).
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 20 * UPLOAD_MAX_BYTES, min_value=1024 * 1024)

# --- drills, emergency plans, activities ---
# Remind this many days before a drill, a corrective action or a plan review falls due.
DRILL_REMINDER_DAYS = env_int("DRILL_REMINDER_DAYS", 14, min_value=1, max_value=90)
# E-mail reminders go out only when an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, min_value=1, max_value=65535)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "schoolsafe@localhost")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- notices (the bell, e-mail and the SMS / messaging gateway webhook) ---
# Queued e-mail and webhook deliveries are sent by a job in each web process every this many seconds (0: off,
# run ``manage.py notices_deliver`` from cron instead); a failed attempt is retried after NOTICE_RETRY_BASE_S,
# doubling up to NOTICE_RETRY_MAX_S, and the delivery is failed after NOTICE_DELIVERY_MAX_ATTEMPTS attempts.
NOTICE_DELIVER_INTERVAL_S = env_float("NOTICE_DELIVER_INTERVAL_S", 15.0, min_value=0.0, max_value=3600.0)
NOTICE_DELIVERY_MAX_ATTEMPTS = env_int("NOTICE_DELIVERY_MAX_ATTEMPTS", 6, min_value=1, max_value=50)
NOTICE_RETRY_BASE_S = env_float("NOTICE_RETRY_BASE_S", 30.0, min_value=1.0, max_value=3600.0)
NOTICE_RETRY_MAX_S = env_float("NOTICE_RETRY_MAX_S", 3600.0, min_value=1.0, max_value=86400.0)
NOTICE_SEND_TIMEOUT_S = env_float("NOTICE_SEND_TIMEOUT_S", 10.0, min_value=1.0, max_value=120.0)
# The gateway's URL; each POST is signed (X-Signature: hex HMAC-SHA256 of the body with the secret).
NOTICE_WEBHOOK_URL = env_url("NOTICE_WEBHOOK_URL", None, schemes=("https", "http")) or ""
NOTICE_WEBHOOK_SECRET = env_str("NOTICE_WEBHOOK_SECRET", "")
if NOTICE_WEBHOOK_URL and not NOTICE_WEBHOOK_SECRET:
    from common.env import EnvError

    raise EnvError("Environment variable NOTICE_WEBHOOK_SECRET is required when NOTICE_WEBHOOK_URL is set.")
# Links in e-mails and webhook posts are made absolute with this (https://schoolsafe.example.org).
NOTICE_SITE_URL = env_url("NOTICE_SITE_URL", None, schemes=("https", "http")) or ""
NOTICE_EMAIL_SUBJECT_PREFIX = env_str("NOTICE_EMAIL_SUBJECT_PREFIX", "")

# --- publicity campaigns: broadcast clips ---
# An uploaded clip (MP3, WAV or M4A, recognised by its content) may be at most this long and this large;
# the size is checked before the file is read.
CAMPAIGN_CLIP_MAX_S = env_int("CAMPAIGN_CLIP_MAX_S", 600, min_value=1, max_value=3600)
CAMPAIGN_CLIP_MAX_BYTES = env_int("CAMPAIGN_CLIP_MAX_BYTES", 20 * 1024 * 1024, min_value=1024)

# --- campaigns ---
# Scheduling sorties (campaigns.planning.schedule): per pilot and day, road travel between launch points
# (straight line x 1.3 at this speed) plus set-up, the time a used battery pack takes to recharge, and the
# solver's time limit.
CAMPAIGN_MAX_SORTIES_PER_PILOT_DAY = env_int("CAMPAIGN_MAX_SORTIES_PER_PILOT_DAY", 4, min_value=1, max_value=20)
CAMPAIGN_MAX_FLYING_MIN_PER_PILOT_DAY = env_int(
    "CAMPAIGN_MAX_FLYING_MIN_PER_PILOT_DAY", 180, min_value=10, max_value=720
)
CAMPAIGN_ROAD_SPEED_KMH = env_float("CAMPAIGN_ROAD_SPEED_KMH", 40.0, min_value=1.0, max_value=120.0)
CAMPAIGN_SETUP_MIN = env_float("CAMPAIGN_SETUP_MIN", 15.0, min_value=0.0, max_value=120.0)
CAMPAIGN_RECHARGE_MIN = env_float("CAMPAIGN_RECHARGE_MIN", 60.0, min_value=0.0, max_value=600.0)
CAMPAIGN_SOLVER_TIME_S = env_float("CAMPAIGN_SOLVER_TIME_S", 20.0, min_value=0.1, max_value=600.0)
# Reach (campaigns.reporting): the bureau's publicity target for the year (the 2023 plan, section 七: 300,000
# people) and last year's reach (200,000), shown beside it.
CAMPAIGN_YEAR_TARGET = env_int("CAMPAIGN_YEAR_TARGET", 300_000, min_value=1, max_value=100_000_000)
CAMPAIGN_LAST_YEAR_REACH = env_int("CAMPAIGN_LAST_YEAR_REACH", 200_000, min_value=0, max_value=100_000_000)
# Day sheets: the alarm of a sortie in the pilot's calendar feed; flight applications are due this many
# days before the flight (the day before, under the 2024 rules).
CAMPAIGN_SORTIE_ALARM_MIN = env_int("CAMPAIGN_SORTIE_ALARM_MIN", 60, min_value=0, max_value=1440)
CAMPAIGN_APPLICATION_LEAD_DAYS = env_int("CAMPAIGN_APPLICATION_LEAD_DAYS", 1, min_value=0, max_value=30)
