"""Posts and incidents on the map: where an incident is, which post is nearest, how long the drive is.

Everything here is numpy over whole arrays, computed once: the places and posts per scenario
(:func:`map_of` caches them), the incidents' points per replication, and one matrix of
expected drive minutes (incidents x posts) from which dispatch orders the posts and each trip
draws its time. No geometry runs per dispatch.
"""

from __future__ import annotations

import numpy as np

from sim.model.scenario import Scenario

EARTH_KM = 6371.0
KM_PER_DEGREE = EARTH_KM * np.pi / 180


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km; arguments in degrees, broadcast against each other."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class Map:
    """The scenario's posts and demand points, and the drive-time law."""

    def __init__(self, scenario: Scenario):
        geo, units = scenario.geography, scenario.units
        stations = units.stations
        self.post_lat = np.array([s.lat for s in stations], dtype=float)
        self.post_lon = np.array([s.lon for s in stations], dtype=float)
        # distances on a flat projection around the posts' middle latitude: within 0.5 % of the
        # great circle up to 150 km (measured), at a third of the cost of the haversine
        self.km_per_lon = KM_PER_DEGREE * np.cos(np.radians(self.post_lat.mean()))
        self.post_x, self.post_y = self.post_lon * self.km_per_lon, self.post_lat * KM_PER_DEGREE
        # demand points per region: cumulative weights to draw from, and the disc each spreads over
        self.places: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for region in scenario.regions:
            mine = [p for p in geo.places if p.region == region]
            if not mine:
                continue
            weight = np.array([p.weight for p in mine], dtype=float)
            radius = np.minimum(np.sqrt(weight / (geo.spread_per_km2 * np.pi)), geo.max_spread_km)
            self.places[region] = (
                np.array([p.lat for p in mine], dtype=float),
                np.array([p.lon for p in mine], dtype=float),
                np.cumsum(weight) / weight.sum(),
                radius,
            )
        # the speed bands as a piecewise-linear time-of-distance curve
        ends = [0.0] + [b.up_to_km for b in geo.speed_kmh[:-1]]
        minutes = [0.0]
        for (start, end), band in zip(zip(ends, ends[1:], strict=False), geo.speed_kmh, strict=False):
            minutes.append(minutes[-1] + (end - start) / band.kmh * 60)
        self.band_km, self.band_min = np.array(ends), np.array(minutes)
        self.last_min_per_km = 60 / geo.speed_kmh[-1].kmh
        self.road_factor = geo.road_factor
        self.drive_factor = {r: geo.drive_factor.get(r, 1.0) for r in scenario.regions}
        # what dispatch expects of each post's turnout
        self.turnout_factor = np.array(
            [geo.volunteer_turnout_factor.get(s.region, 1.0) if s.crew == "volunteer" else 1.0 for s in stations]
        )
        self.turnout_expected = (
            np.array([units.turnout_min[s.crew].expected for s in stations], dtype=float) * self.turnout_factor
        )

    def locate(self, regions: list[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A point per incident: a demand point of its region by weight, then uniform on its disc.

        Three uniforms per incident, in incident order, whatever the regions: changing a
        region's places moves its incidents, not the draws of the others.
        """
        u = rng.random((len(regions), 3))
        lat, lon = np.full(len(regions), np.nan), np.full(len(regions), np.nan)
        names = np.array(regions, dtype=object)
        for region, (plat, plon, cumulative, radius) in self.places.items():
            mask = names == region
            if not mask.any():
                continue
            pick = np.minimum(np.searchsorted(cumulative, u[mask, 0], side="right"), len(cumulative) - 1)
            r = radius[pick] * np.sqrt(u[mask, 1])
            angle = 2 * np.pi * u[mask, 2]
            lat[mask] = plat[pick] + r * np.cos(angle) / KM_PER_DEGREE
            lon[mask] = plon[pick] + r * np.sin(angle) / (KM_PER_DEGREE * np.cos(np.radians(plat[pick])))
        return lat, lon

    def drive_minutes(self, road_km: np.ndarray) -> np.ndarray:
        """Expected minutes for a road distance, through the speed bands."""
        inside = np.interp(road_km, self.band_km, self.band_min)
        beyond = np.maximum(road_km - self.band_km[-1], 0.0) * self.last_min_per_km
        return inside + beyond

    def expected_drive(self, lat: np.ndarray, lon: np.ndarray, regions: list[str]) -> np.ndarray:
        """Expected drive minutes from every post to every incident (incidents x posts)."""
        km = np.hypot(lon[:, None] * self.km_per_lon - self.post_x, lat[:, None] * KM_PER_DEGREE - self.post_y)
        factor = np.array([self.drive_factor[r] for r in regions], dtype=float)
        return self.drive_minutes(km * self.road_factor) * factor[:, None]


def pre_staffed(scenario: Scenario) -> list:
    """The posts with ``units.pre_staffed_share`` of each region's volunteer posts pre-staffed.

    Ranked by the demand weight each post is nearest to (straight line, within its region), so
    the posts in the busiest places go first; pre-staffed posts count as volunteer posts in the
    ranking, which makes applying the rule twice the same as once.
    """
    stations, places = scenario.units.stations, scenario.geography.places
    share = scenario.units.pre_staffed_share
    out = list(stations)
    for region in scenario.regions:
        mine = [k for k, s in enumerate(stations) if s.region == region and s.crew != "professional"]
        demand = [p for p in places if p.region == region]
        if not mine or not demand:
            continue
        km = great_circle_km(
            np.array([p.lat for p in demand])[:, None],
            np.array([p.lon for p in demand])[:, None],
            np.array([stations[k].lat for k in mine])[None, :],
            np.array([stations[k].lon for k in mine])[None, :],
        )
        served = np.bincount(km.argmin(axis=1), weights=[p.weight for p in demand], minlength=len(mine))
        ranked = sorted(range(len(mine)), key=lambda j: (-served[j], mine[j]))
        chosen = set(ranked[: round(share * len(mine))])
        for j, k in enumerate(mine):
            crew = "pre_staffed" if j in chosen else "volunteer"
            if stations[k].crew != crew:
                out[k] = stations[k].model_copy(update={"crew": crew})
    return out


_CACHE: list[tuple[Scenario, Map]] = []  # the last few scenarios' maps (a worker runs one at a time)


def map_of(scenario: Scenario) -> Map:
    """The scenario's map, built once: replications of one scenario share it."""
    for known, built in _CACHE:
        if known is scenario:
            return built
    built = Map(scenario)
    _CACHE.insert(0, (scenario, built))
    del _CACHE[4:]
    return built
