"""From lighthouse to follower.

The follower's districts most like the lighthouse's districts
where a solution is deployed, and why.

Every district gets a **profile** (:func:`district_profiles`): population density (when
``overlap.population`` names a column), solutions per km² and the share of the area served, per
sector, closeness to the city's centre (1 minus its distance as a share of the farthest
district's), its size, and the raw values of the suitability criteria when the units are
districts. Each indicator is standardised as its
**rank within the city** (0 = the city's lowest, 1 = its highest, ties share): cities of any
size and any unit compare, and scaling an indicator (people or thousands of people) changes
nothing.

For each solution type with existing sites in the lighthouse, the districts holding one are the
**references**; the indicators of the type's own sector are left out of its matching (they
would count its own sites), and so is any indicator that is the same in every district of both
cities. A follower district's **similarity** is one minus its distance to the nearest
reference in the standardised space, divided by the largest possible distance (every indicator
at the opposite end): 1 is a district that ranks in its city exactly as a reference ranks in the
lighthouse. Nearest-neighbour matching was chosen over a classifier because it needs no
districts *without* the solution to learn from, works with a single reference, and explains
itself: the most similar lighthouse district is named, with the three indicators that make them
alike and the one that differs most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from scmap.core._atomic import atomic_file, open_pack
from scmap.core._geom import assign_points
from scmap.core._gpkg import write_layers
from scmap.core._text import write_csv
from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages, english, load_messages
from scmap.errors import InputError

if TYPE_CHECKING:
    from scmap.pipeline.results import Results
    from scmap.project.spec import Project

__all__ = [
    "MATCH_FILES",
    "MatchResult",
    "candidate_sites",
    "city_results",
    "district_profiles",
    "match",
    "match_profiles",
    "standardised",
]

MATCH_FILES = ("matches.csv", "matches.gpkg", "profiles.csv", "candidates.csv", "map.html", "report.html")
ALIKE = 3
"""Indicators named as what makes a follower district like its lighthouse district."""


def _centrality(districts: gpd.GeoDataFrame) -> np.ndarray:
    """Each district's distance to the city's centre as a share of the farthest district's."""
    points = shapely.point_on_surface(np.asarray(districts.geometry.array, dtype=object))
    centre = shapely.centroid(shapely.union_all(np.asarray(districts.geometry.array, dtype=object)))
    distance = shapely.distance(points, centre)
    top = float(np.max(distance)) if len(distance) else 0.0
    return distance / top if top > 0 else np.zeros(len(distance))


def district_profiles(results: Results, profile: Sequence[str] = ()) -> pd.DataFrame:
    """Return the indicators of every district of *results*.

    The indicators of every district of *results* (index: district id), as measured, with the
    district columns named in *profile* (and in the project's ``match.profile``).
    """
    summary = results.summary.set_index("district_id")
    km2 = summary["area_m2"].to_numpy(dtype=float) / 1e6
    out = pd.DataFrame(index=summary.index)
    districts = results.districts.set_index("district_id").loc[summary.index]
    population = results.project.spec.overlap.population if results.project.spec.overlap else None
    if population and population in districts.columns:
        out["population_density"] = pd.to_numeric(districts[population], errors="coerce").to_numpy() / km2
    for sector in results.project.catalogue.sectors:
        if f"n_{sector}" in summary.columns:
            out[f"{sector}_per_km2"] = summary[f"n_{sector}"].to_numpy(dtype=float) / km2
        if f"covered_{sector}" in summary.columns:
            out[f"{sector}_served"] = summary[f"covered_{sector}"].to_numpy(dtype=float)
    out["centrality"] = 1.0 - _centrality(districts)
    out["area_km2"] = km2
    for column in dict.fromkeys([*results.project.spec.match.profile, *profile]):
        if column in districts.columns:
            out[column] = pd.to_numeric(districts[column], errors="coerce").to_numpy()
    units = results.suitability.units
    if len(units) == len(summary) and len(units):  # district units: the criteria describe the districts
        raw = units.set_index("district_id").reindex(summary.index)
        for column in [c for c in raw.columns if c.endswith("__raw")]:
            out[column.removesuffix("__raw")] = pd.to_numeric(raw[column], errors="coerce")
    return out


def standardised(profiles: pd.DataFrame) -> pd.DataFrame:
    """Return each indicator as its rank within the city, 0 to 1.

    Each indicator as its rank within the city, 0 (lowest) to 1 (highest), ties sharing the
    mean rank; a missing value sits in the middle (0.5). Any increasing change of scale of an
    indicator gives the same result.
    """
    n = profiles.notna().sum()
    ranks = profiles.rank(method="average")  # a missing value has no rank
    return (ranks - 1).div((n - 1).where(n > 1), axis=1).fillna(0.5)  # one value alone: the middle too


def _explain(diff: np.ndarray, names: list[str]) -> tuple[list[str], list[str]]:
    order = np.argsort(diff, axis=1, kind="stable")
    keep = max(1, min(ALIKE, len(names) - 1))  # the one that differs most is never among them
    alike = [", ".join(names[j] for j in row[:keep]) for row in order]
    differs = [names[row[-1]] if len(names) > 1 else "" for row in order]
    return alike, differs


def match_profiles(
    reference: pd.DataFrame,
    follower: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return each *follower* district's nearest *reference* district.

    Each *follower* district's nearest *reference* district (both: standardised profiles with
    the same columns): similarity 0-1, rank (1 = most similar), the reference's id, the indicators
    that make them alike and the one that differs most.
    """
    names = list(reference.columns)
    if not names or not len(reference):
        raise InputError("matching needs at least one indicator and one lighthouse district with the solution")
    w = np.array([float((weights or {}).get(c, 1.0)) for c in names])
    if (w < 0).any() or not w.sum() > 0:
        raise InputError("indicator weights must be 0 or more, and not all 0")
    scale = np.sqrt(w)
    ref = reference.to_numpy(dtype=float) * scale
    fol = follower[names].to_numpy(dtype=float) * scale
    distance, nearest = cKDTree(ref).query(fol, k=1)
    similarity = np.clip(1.0 - distance / np.sqrt(w.sum()), 0.0, 1.0)
    diff = np.abs(follower[names].to_numpy(dtype=float) - reference.to_numpy(dtype=float)[nearest])
    active = w > 0  # a weight-0 indicator explains nothing
    alike, differs = _explain(diff[:, active], [n for n, a in zip(names, active, strict=True) if a])
    rank = pd.Series(similarity).rank(method="min", ascending=False).astype(int).to_numpy()
    return pd.DataFrame(
        {"similarity": similarity, "rank": rank, "like_id": reference.index.to_numpy()[nearest],
         "alike": alike, "differs": differs},
        index=follower.index,
    )  # fmt: skip


@dataclass
class MatchResult:
    """The follower's districts ranked per lighthouse solution type, with what the map needs.

    The follower's districts ranked per lighthouse solution type (``matches``, with the
    follower's district geometry), both cities' profiles as measured, and the follower's
    districts and language for the map and report.
    """

    matches: gpd.GeoDataFrame
    profiles: pd.DataFrame
    lighthouse: str
    follower: str
    indicators: list[str] = field(default_factory=list)
    districts: gpd.GeoDataFrame | None = None
    solutions: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    """Candidate sites in the most alike districts (``match(..., candidates=N)``), as a source."""
    used: dict[str, list[str]] = field(default_factory=dict)
    """The indicators each solution type was matched on (its own sector's left out)."""
    messages: Messages = field(default_factory=english)
    catalogue: Catalogue | None = None

    def save(self, outdir: str | Path, *, overwrite: bool = False) -> Path:
        """Write the matching pack into *outdir*.

        Write ``matches.csv``, ``matches.gpkg``, ``profiles.csv``, ``map.html`` (a colouring per
        solution type, the explanation in each district's popup) and ``report.html`` into
        *outdir* as a pack (complete or absent).
        """
        from scmap.maps import save_html
        from scmap.outputs._match_pages import match_map, match_report

        manifest = {"lighthouse": self.lighthouse, "follower": self.follower, "indicators": self.indicators}
        with open_pack(outdir, overwrite=overwrite, known=MATCH_FILES, **manifest) as tmp:
            write_csv(pd.DataFrame(self.matches.drop(columns=self.matches.geometry.name)), tmp / "matches.csv")
            write_layers(tmp / "matches.gpkg", {"matches": self.matches})
            write_csv(self.profiles.reset_index(), tmp / "profiles.csv")
            if self.candidates is not None and len(self.candidates):
                sites = self.candidates
                xy = pd.DataFrame({"lon": sites.geometry.x.round(7), "lat": sites.geometry.y.round(7)})
                write_csv(pd.concat([pd.DataFrame(sites.drop(columns="geometry")), xy], axis=1), tmp / "candidates.csv")
            fmap = match_map(self)
            save_html(fmap, tmp / "map.html", inline=True)
            with atomic_file(tmp / "report.html", overwrite=True, lock=False) as page:
                page.write_text(match_report(self, fmap), encoding="utf-8")
        return Path(outdir)


def city_results(source: Results | Project | str | Path) -> Results:
    """Run results of a project, a project file, or a pack (the project its manifest names)."""
    import json

    from scmap.pipeline.results import Results, run
    from scmap.project.load import load_project
    from scmap.project.spec import Project

    if isinstance(source, Results):
        return source
    if isinstance(source, Project):
        return run(source)
    path = Path(source)
    if path.is_dir():
        manifest = path / "manifest.json"
        project = json.loads(manifest.read_text(encoding="utf-8")).get("project_file") if manifest.exists() else None
        if not project or not Path(project).is_file():
            raise InputError(f"{path}: a pack whose manifest.json names its project file (scmap run writes one)")
        path = Path(project)
    return run(load_project(path))


def _deployed(results: Results) -> dict[str, set[str]]:
    """Return, per solution type, the districts holding an existing site of it.

    Per solution type, the districts holding an existing site of it (placed as the overlap
    places solutions: its point on surface, a shared edge going to the first district).
    """
    sol = results.solutions
    sol = sol.loc[sol["status"] == "existing"] if "status" in sol.columns else sol
    districts = results.districts.to_crs(sol.crs)
    points = shapely.point_on_surface(np.asarray(sol.geometry.array, dtype=object))
    where = assign_points(points, np.asarray(districts.geometry.array, dtype=object))
    ids = districts["district_id"].astype(str).to_numpy()
    found = pd.DataFrame({"solution": sol["solution"].to_numpy(), "where": where}).query("where >= 0")
    return {str(k): set(ids[g["where"].to_numpy()]) for k, g in found.groupby("solution")}


def match(
    lighthouse: Results | Project | str | Path,
    follower: Results | Project | str | Path,
    *,
    indicators: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    language: str | None = None,
    candidates: int = 0,
) -> MatchResult:
    """Rank the *follower*'s districts by likeness to the *lighthouse*'s deployed districts.

    Rank the *follower*'s districts by similarity to the *lighthouse*'s districts where each of
    its solution types is deployed (projects, project files or run results); see the module's
    description. The map and report speak *language* (default: the follower's ``map.language``).
    With *candidates*, a candidate site per type goes into each of the that many most alike
    districts that do not have the type yet (:func:`candidate_sites`).
    """
    lh, fw = city_results(lighthouse), city_results(follower)
    own_columns = [*lh.project.spec.match.profile, *fw.project.spec.match.profile]
    lp, fp = district_profiles(lh, own_columns), district_profiles(fw, own_columns)
    indicators = indicators if indicators is not None else fw.project.spec.match.indicators
    weights = weights if weights is not None else fw.project.spec.match.weights
    shared = [c for c in lp.columns if c in fp.columns and (indicators is None or c in indicators)]
    if indicators is not None and (missing := sorted(set(indicators) - set(shared))):
        raise InputError(f"indicators {', '.join(missing)} are not measured in both cities; both have: "
                         f"{', '.join(c for c in lp.columns if c in fp.columns)}")  # fmt: skip
    # an indicator that is the same everywhere in both cities tells no district from another
    shared = [c for c in shared if lp[c].nunique() > 1 or fp[c].nunique() > 1]
    ls, fs = standardised(lp[shared]), standardised(fp[shared])
    names = fw.summary.set_index("district_id")["district_name"] if "district_name" in fw.summary else fs.index
    lnames = lh.summary.set_index("district_id")["district_name"] if "district_name" in lh.summary else ls.index
    own, frames, used_by = _deployed(fw), [], {}
    for solution, places in sorted(_deployed(lh).items()):
        # its own sector's counts and service would count the solution's own sites: left out
        sector = lh.project.catalogue.solutions[solution].sector if solution in lh.project.catalogue.solutions else None
        use = [c for c in shared if c not in (f"{sector}_per_km2", f"{sector}_served")] or shared
        ref, used_by[solution] = ls.loc[ls.index.astype(str).isin(places), use], use
        found = match_profiles(ref, fs[use], weights=weights)
        found.insert(0, "solution", solution)
        found.insert(1, "district_id", found.index)
        found.insert(2, "district_name", names.reindex(found.index).to_numpy())
        found["like_name"] = lnames.reindex(found["like_id"]).to_numpy()
        found["has_solution"] = found.index.astype(str).isin(own.get(solution, set()))
        found["n_references"] = len(ref)
        frames.append(found.reset_index(drop=True))
    if not frames:
        raise InputError(f"{lh.project.path}: the lighthouse has no existing solutions in its districts to match")
    table = pd.concat(frames, ignore_index=True)
    geometry = fw.districts.set_index("district_id").geometry.to_crs(4326)
    matches = gpd.GeoDataFrame(table, geometry=geometry.reindex(table["district_id"]).to_numpy(), crs=4326)
    profiles = pd.concat({lh.project.spec.name: lp, fw.project.spec.name: fp}, names=["city", "district_id"])
    msg = load_messages(language) if language else fw.project.messages
    sites = candidate_sites(matches, fw, msg("match.proposed", lighthouse=lh.project.spec.name), candidates)
    shown = pd.concat([fw.solutions.to_crs(4326), sites], ignore_index=True) if len(sites) else fw.solutions
    result = MatchResult(matches, profiles, lh.project.spec.name, fw.project.spec.name, shared)
    result.districts, result.solutions, result.candidates = fw.districts.to_crs(4326), shown, sites
    result.messages, result.catalogue, result.used = msg, fw.project.catalogue, used_by
    return result


def _best_point(fw: Results, solution: str, district: str) -> Any:
    """Return the point of a district most suitable for *solution*.

    The district's most suitable unit of the follower's own model for *solution* (its
    representative point), else the district's representative point.
    """
    units = fw.suitability.units
    column = f"{solution}_score"
    if solution in fw.suitability.models and column in units.columns:
        mine = units.loc[(units["district_id"].astype(str) == district) & units[column].notna()]
        if len(mine):
            return mine.geometry.iloc[int(np.argmax(mine[column].to_numpy()))].representative_point()
    districts = fw.districts.loc[fw.districts["district_id"].astype(str) == district]
    return districts.geometry.iloc[0].representative_point()


def candidate_sites(matches: gpd.GeoDataFrame, fw: Results, name: str, top: int) -> gpd.GeoDataFrame:
    """Return candidate sites in the most alike follower districts.

    A candidate site per solution type in each of its *top* most alike follower districts that
    do not have it yet, named *name* ("proposed from LIGHTHOUSE"), in EPSG:4326: a solution
    source the workshop map shows with status ``candidate``.
    """
    rows, points = [], []
    fresh = matches.loc[~matches["has_solution"]].sort_values(["solution", "rank"])
    cat = fw.project.catalogue
    for _, r in fresh.groupby("solution", sort=True).head(max(top, 0)).iterrows():
        points.append(_best_point(fw, r["solution"], str(r["district_id"])))
        sector = cat.solutions[r["solution"]].sector if r["solution"] in cat.solutions else ""
        rows.append({"solution_id": f"match-{r['solution']}-{r['district_id']}", "name": name, "sector": sector,
                     "solution": r["solution"], "status": "candidate", "district_id": r["district_id"],
                     "similarity": r["similarity"]})  # fmt: skip
    sites = gpd.GeoDataFrame(rows, geometry=points, crs=fw.districts.crs) if rows else None
    return sites.to_crs(4326) if sites is not None else gpd.GeoDataFrame(geometry=[], crs=4326)
