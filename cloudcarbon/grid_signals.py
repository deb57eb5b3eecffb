"""Live grid-intensity forecasts for `--duration/--window`, when the user sets a token: Electricity Maps
(average, life-cycle intensity) or WattTime (marginal emissions rate). Each forecast hour becomes a ratio to the
zone's annual figure, so it replaces the shipped hour-of-day profile for the hours it covers and nothing else.
Offline, or when a service refuses, the shipped profile serves and the output says why (never a silent switch).

Environment: CLOUDCARBON_ELECTRICITYMAPS_TOKEN, or CLOUDCARBON_WATTTIME_USERNAME and CLOUDCARBON_WATTTIME_PASSWORD;
CLOUDCARBON_ELECTRICITYMAPS_URL / CLOUDCARBON_WATTTIME_URL point elsewhere (a proxy). Tokens are never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

EM_TOKEN = "CLOUDCARBON_ELECTRICITYMAPS_TOKEN"
WT_USER, WT_PASSWORD = "CLOUDCARBON_WATTTIME_USERNAME", "CLOUDCARBON_WATTTIME_PASSWORD"
EM_URL = os.environ.get("CLOUDCARBON_ELECTRICITYMAPS_URL", "https://api.electricitymap.org/v3")
WT_URL = os.environ.get("CLOUDCARBON_WATTTIME_URL", "https://api.watttime.org")
TIMEOUT_S = 20
G_PER_KWH_PER_LB_PER_MWH = 0.45359237  # WattTime reports lbs CO2 per MWh
COLUMNS = ["zone", "hour", "ratio", "signal", "source"]


@dataclass
class Signals:
    """Forecast ratios per zone and UTC hour, and what happened on the way (for the output's assumptions)."""

    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COLUMNS))
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Place:
    zone: str
    latitude: float | None
    longitude: float | None
    annual_g_per_kwh: float  # the annual figure the footprint used: forecasts become ratios to it


def configured() -> str | None:
    """Which service the environment has credentials for (Electricity Maps first)."""
    if os.environ.get(EM_TOKEN):
        return "electricitymaps"
    if os.environ.get(WT_USER) and os.environ.get(WT_PASSWORD):
        return "watttime"
    return None


def forecasts(places: list[Place], start: datetime, end: datetime) -> Signals:
    """Hourly forecast ratios for each place's zone within [start, end) (UTC, naive), from the configured service."""
    import requests

    service = configured()
    signals = Signals()
    if service is None or not places:
        return signals
    frames = []
    session = requests.Session()
    try:
        token = _watttime_token(session) if service == "watttime" else None
        for place in {p.zone: p for p in places}.values():
            points = (_electricitymaps(session, place) if service == "electricitymaps"
                      else _watttime(session, place, token))
            frames.append(_hourly(points, place, start, end, service))
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        signals.notes.append(f"{_name(service)} forecast unavailable ({_reason(error)}): the shipped hour-of-day "
                             "profile serves instead")
        return signals
    signals.frame = pd.concat(frames, ignore_index=True) if frames else signals.frame
    covered = signals.frame.hour.nunique() if len(signals.frame) else 0
    signals.notes.append(f"{_name(service)} forecast ({_signal(service)} intensity) for {covered} hour(s) of the "
                         "window, as a ratio to the zone's annual figure; other hours use the shipped profile")
    return signals


def _name(service: str) -> str:
    return "Electricity Maps" if service == "electricitymaps" else "WattTime"


def _signal(service: str) -> str:
    return "average" if service == "electricitymaps" else "marginal"


def _reason(error: Exception) -> str:
    import requests

    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} from {error.response.url.split('?')[0]}"
    if isinstance(error, requests.RequestException):
        return f"{error.__class__.__name__}: no answer"
    return f"unexpected answer ({error.__class__.__name__})"


def _electricitymaps(session: object, place: Place) -> pd.DataFrame:
    """GET /carbon-intensity/forecast?zone=Z: {"zone", "forecast": [{"carbonIntensity", "datetime"}], ...}."""
    answer = session.get(f"{EM_URL}/carbon-intensity/forecast", params={"zone": place.zone},
                         headers={"auth-token": os.environ[EM_TOKEN]}, timeout=TIMEOUT_S)
    answer.raise_for_status()
    points = answer.json()["forecast"]
    return pd.DataFrame({"time": [p["datetime"] for p in points],
                         "g_per_kwh": [float(p["carbonIntensity"]) for p in points]})


def _watttime_token(session: object) -> str:
    """GET /login with HTTP basic auth: {"token": ...} (valid 30 minutes)."""
    answer = session.get(f"{WT_URL}/login", auth=(os.environ[WT_USER], os.environ[WT_PASSWORD]), timeout=TIMEOUT_S)
    answer.raise_for_status()
    return answer.json()["token"]


def _watttime(session: object, place: Place, token: str | None) -> pd.DataFrame:
    """The balancing area of the place (GET /v3/region-from-loc), then GET /v3/forecast of its marginal CO2 rate:
    {"data": [{"point_time", "value"}], "meta": {"units": "lbs_co2_per_mwh", ...}} in 5-minute points."""
    if place.latitude is None or place.longitude is None:
        raise ValueError(f"no location for zone {place.zone}")
    headers = {"Authorization": f"Bearer {token}"}
    region = session.get(f"{WT_URL}/v3/region-from-loc", headers=headers, timeout=TIMEOUT_S,
                         params={"latitude": place.latitude, "longitude": place.longitude, "signal_type": "co2_moer"})
    region.raise_for_status()
    answer = session.get(f"{WT_URL}/v3/forecast", headers=headers, timeout=TIMEOUT_S,
                         params={"region": region.json()["region"], "signal_type": "co2_moer"})
    answer.raise_for_status()
    body = answer.json()
    if body["meta"].get("units", "lbs_co2_per_mwh") != "lbs_co2_per_mwh":
        raise ValueError(f"unexpected unit {body['meta']['units']}")
    return pd.DataFrame({"time": [p["point_time"] for p in body["data"]],
                         "g_per_kwh": [float(p["value"]) * G_PER_KWH_PER_LB_PER_MWH for p in body["data"]]})


def _hourly(points: pd.DataFrame, place: Place, start: datetime, end: datetime, service: str) -> pd.DataFrame:
    """Mean intensity per UTC hour inside the window, as a ratio to the place's annual figure."""
    times = pd.to_datetime(points.time, utc=True).dt.tz_localize(None)
    hours = points.assign(hour=times.dt.floor("h"))
    hours = hours[(hours.hour >= pd.Timestamp(start).floor("h")) & (hours.hour < pd.Timestamp(end))]
    means = hours.groupby("hour", as_index=False).g_per_kwh.mean()
    return pd.DataFrame({"zone": place.zone, "hour": means.hour, "ratio": means.g_per_kwh / place.annual_g_per_kwh,
                         "signal": _signal(service), "source": f"{_name(service)} forecast API"})
