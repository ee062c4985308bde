//! The hub network of a 시·도 or 광역경제권 (`/planning/network`, `/api/v1/network/{region}`,
//! docs/hub-network.md): its zones and hubs with their functions and spaces, the Post-BI moves
//! and equipment bookings between them, travel times (road by default, transit over a GTFS
//! feed), and the inter-hub linkage check. Whoever may see the region's space ladder may see
//! its network.

use std::collections::HashMap;
use std::io::Read;

use ucz_core::date::Date;
use ucz_core::network::transit::{self, Transit};
use ucz_core::network::{self, Network, Node, SpaceTotal};
use ucz_core::record::SpacePlace;
use ucz_core::zone::Site;

use crate::caller::Caller;
use crate::error::{Error, FieldError, Message};
use crate::leases::stored_lease;
use crate::{Services, ladder};

/// The network of a region (a 시·도 or 광역경제권 id) by road, as its records stand now.
pub async fn of_region(state: &Services, caller: &Caller, region: &str) -> Result<Network, Error> {
    Ok(gather(state, caller, region).await?.build(None))
}

/// The network with travel times by transit over a GTFS feed (its .zip's bytes). The feed is
/// read, and the journeys timed, off the request threads and one request at a time.
pub async fn by_transit(
    state: &Services,
    caller: &Caller,
    region: &str,
    feed: Vec<u8>,
) -> Result<Network, Error> {
    let g = gather(state, caller, region).await?;
    let turn = crate::turn::wait(&state.heavy).await?;
    crate::turn::run(turn, move || {
        let files =
            GtfsFiles::from_zip(&feed).map_err(|e| Error::field("body", Message::input(e)))?;
        let transit = gtfs(&files, &g.rules)?;
        Ok(g.build(Some(&transit)))
    })
    .await?
}

/// What a network is built from: the hubs, the firms' moves and bookings between them.
struct Gathered {
    nodes: Vec<Node>,
    moves: Vec<(String, String)>,
    bookings: Vec<(String, String)>,
    functions: Vec<String>,
    rules: ucz_core::catalog::NetworkRules,
}

impl Gathered {
    fn build(self, transit: Option<&Transit>) -> Network {
        network::build(
            self.nodes,
            &self.moves,
            &self.bookings,
            &self.functions,
            &self.rules,
            transit,
        )
    }
}

async fn gather(state: &Services, caller: &Caller, region: &str) -> Result<Gathered, Error> {
    caller.require_user()?;
    let scope = ladder::scope(state, region)?;
    ladder::may_see(state, caller, &scope).await?;
    let catalog = &state.catalog;
    let rows = state.store.region_rows(&scope.regions).await?;
    let mut nodes: Vec<Node> = Vec::new();
    for z in &rows.zones {
        let plan = &z.record.record;
        let region = plan.text("region").unwrap_or_default();
        if !scope.contains(region) {
            continue;
        }
        let mut functions: Vec<String> = Vec::new();
        for f in rows
            .facilities
            .iter()
            .filter(|f| f.record.zone_id.as_str() == z.id.as_str())
        {
            if let Some(t) = catalog
                .facility_types
                .iter()
                .find(|t| t.id.as_str() == f.record.kind)
            {
                functions.extend(t.functions.iter().map(|id| id.to_string()));
            }
        }
        nodes.push(Node {
            id: z.id.to_string(),
            name: plan.text("name").unwrap_or(z.id.as_str()).to_string(),
            name_en: plan.text("name_en").map(str::to_owned),
            kind: "zone".into(),
            region: region.to_string(),
            site: ladder::site_of(plan),
            functions: ordered(functions, catalog),
            spaces: vec![],
        });
    }
    for h in &rows.hubs {
        let hub = &h.record.record;
        if !scope.contains(&hub.region) {
            continue;
        }
        let functions = catalog
            .hub_kinds
            .iter()
            .find(|k| k.id.as_str() == hub.kind)
            .map(|k| k.functions.iter().map(|f| f.to_string()).collect())
            .unwrap_or_default();
        nodes.push(Node {
            id: hub.id.to_string(),
            name: hub.name.clone(),
            name_en: None,
            kind: hub.kind.clone(),
            region: hub.region.clone(),
            site: hub.site,
            functions: ordered(functions, catalog),
            spaces: vec![],
        });
    }
    // Each space's hub: its facility's zone, or its hub.
    let zone_of_facility: HashMap<i64, &str> = rows
        .facilities
        .iter()
        .map(|f| (f.id.0, f.record.zone_id.as_str()))
        .collect();
    let mut node_of_space: HashMap<i64, String> = HashMap::new();
    let mut incubation: HashMap<i64, bool> = HashMap::new();
    for s in &rows.spaces {
        let node = match s.record.place() {
            SpacePlace::Facility(f) => zone_of_facility.get(&f.0).map(|z| z.to_string()),
            SpacePlace::Hub(h) => Some(h.to_string()),
        };
        let Some(node) = node.filter(|n| nodes.iter().any(|x| &x.id == n)) else {
            continue;
        };
        incubation.insert(s.id.0, catalog.is_incubation_kind(&s.record.kind));
        if let Some(n) = nodes.iter_mut().find(|x| x.id == node) {
            match n.spaces.iter_mut().find(|t| t.kind == s.record.kind) {
                Some(t) => {
                    t.count += 1;
                    t.area_m2 += s.record.area_m2;
                }
                None => n.spaces.push(SpaceTotal {
                    kind: s.record.kind.clone(),
                    count: 1,
                    area_m2: s.record.area_m2,
                }),
            }
        }
        node_of_space.insert(s.id.0, node);
    }
    for n in &mut nodes {
        n.spaces.sort_by(|a, b| a.kind.cmp(&b.kind));
    }
    // Post-BI moves: an incubation lease followed by the firm's next lease at another hub.
    let leases: Vec<_> = rows.leases.iter().map(stored_lease).collect();
    let mut moves = Vec::new();
    for l in &leases {
        if !incubation.get(&l.space).copied().unwrap_or(false) {
            continue;
        }
        let next = leases
            .iter()
            .filter(|n| n.firm == l.firm && n.starts >= l.ends && n.id != l.id)
            .min_by_key(|n| (n.starts, n.id));
        if let (Some(from), Some(to)) = (
            node_of_space.get(&l.space),
            next.and_then(|n| node_of_space.get(&n.space)),
        ) {
            moves.push((from.clone(), to.clone()));
        }
    }
    // Bookings: a firm based at one hub (its lease on the day) booking equipment at another.
    let resources = state.store.resources_of(None, None).await?;
    let mut node_of_resource: HashMap<String, String> = HashMap::new();
    for r in &resources {
        if let Some(n) = r
            .zone_id
            .clone()
            .or_else(|| r.hub_id.clone())
            .filter(|n| nodes.iter().any(|x| &x.id == n))
        {
            node_of_resource.insert(r.id.clone(), n);
        }
    }
    let ids: Vec<String> = node_of_resource.keys().cloned().collect();
    let now = state.clock.now();
    let mut bookings = Vec::new();
    for b in state
        .store
        .bookings_between(&ids, 0, now.as_second())
        .await?
    {
        if !matches!(b.state.as_str(), "confirmed" | "checked_in") {
            continue;
        }
        let day = Date::in_korea(jiff::Timestamp::from_second(b.starts_at).unwrap_or(now));
        let home = leases
            .iter()
            .find(|l| l.firm == b.firm_id && l.starts <= day && day < l.ends)
            .and_then(|l| node_of_space.get(&l.space));
        if let (Some(home), Some(at)) = (home, node_of_resource.get(&b.resource_id)) {
            bookings.push((home.clone(), at.clone()));
        }
    }
    let functions: Vec<String> = catalog.functions.iter().map(|f| f.id.to_string()).collect();
    let rules = catalog.placement.network.clone();
    Ok(Gathered {
        nodes,
        moves,
        bookings,
        functions,
        rules,
    })
}

/// The largest file of a GTFS feed read, and the most stops and stop times.
const MAX_GTFS_FILE: u64 = 512 << 20;
const MAX_STOPS: usize = 500_000;
const MAX_STOP_TIMES: usize = 10_000_000;

/// Function ids once each, in the catalog's order.
fn ordered(mut functions: Vec<String>, catalog: &ucz_core::Catalog) -> Vec<String> {
    let rank = |f: &String| {
        catalog
            .functions
            .iter()
            .position(|x| x.id.as_str() == f)
            .unwrap_or(usize::MAX)
    };
    functions.sort_by_key(rank);
    functions.dedup();
    functions
}

/// A GTFS feed (a .zip, or its stops.txt and stop_times.txt) read into the transit the network
/// times journeys on. Problems name the file, the line and the column.
pub fn gtfs(files: &GtfsFiles, rules: &ucz_core::catalog::NetworkRules) -> Result<Transit, Error> {
    let problem = |file: &str, line: u64, column: &str, message: String| {
        Error::invalid(vec![FieldError {
            field: format!("{file}:{line}:{column}"),
            message: Message::input(message),
        }])
    };
    let mut stops: Vec<Site> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut reader =
        csv::Reader::from_reader(files.stops.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| problem("stops.txt", 1, "header", e.to_string()))?
        .clone();
    let col = |h: &csv::StringRecord, file: &str, name: &str| {
        h.iter()
            .position(|c| c.trim() == name)
            .ok_or_else(|| problem(file, 1, name, format!("no `{name}` column")))
    };
    let (id_c, lat_c, lon_c) = (
        col(&headers, "stops.txt", "stop_id")?,
        col(&headers, "stops.txt", "stop_lat")?,
        col(&headers, "stops.txt", "stop_lon")?,
    );
    for row in reader.records() {
        let row = row.map_err(|e| {
            problem(
                "stops.txt",
                e.position().map_or(0, |p| p.line()),
                "row",
                e.to_string(),
            )
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let number = |c: usize, name: &str| -> Result<f64, Error> {
            let v = row.get(c).unwrap_or_default().trim();
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| problem("stops.txt", line, name, format!("`{v}` is not a number")))
        };
        let (lat, lon) = (number(lat_c, "stop_lat")?, number(lon_c, "stop_lon")?);
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(problem(
                "stops.txt",
                line,
                "stop_lat",
                format!("({lat}, {lon}) is not a position"),
            ));
        }
        if stops.len() == MAX_STOPS {
            return Err(problem(
                "stops.txt",
                line,
                "stop_id",
                format!("more than {MAX_STOPS} stops"),
            ));
        }
        let id = row.get(id_c).unwrap_or_default().trim().to_string();
        if index.insert(id.clone(), stops.len()).is_some() {
            return Err(problem(
                "stops.txt",
                line,
                "stop_id",
                format!("`{id}` is given twice"),
            ));
        }
        stops.push(Site { lat, lon });
    }
    let mut reader =
        csv::Reader::from_reader(files.stop_times.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| problem("stop_times.txt", 1, "header", e.to_string()))?
        .clone();
    let f = "stop_times.txt";
    let (trip_c, arr_c, dep_c, stop_c, seq_c) = (
        col(&headers, f, "trip_id")?,
        col(&headers, f, "arrival_time")?,
        col(&headers, f, "departure_time")?,
        col(&headers, f, "stop_id")?,
        col(&headers, f, "stop_sequence")?,
    );
    let mut calls: Vec<Call> = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            problem(
                f,
                e.position().map_or(0, |p| p.line()),
                "row",
                e.to_string(),
            )
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let stop_id = row.get(stop_c).unwrap_or_default().trim();
        let stop = *index.get(stop_id).ok_or_else(|| {
            problem(
                f,
                line,
                "stop_id",
                format!("`{stop_id}` is not in stops.txt"),
            )
        })?;
        let seq_text = row.get(seq_c).unwrap_or_default().trim();
        let seq: u32 = seq_text.parse().map_err(|_| {
            problem(
                f,
                line,
                "stop_sequence",
                format!("`{seq_text}` is not a whole number"),
            )
        })?;
        let time = |c: usize, name: &str| -> Result<Option<f64>, Error> {
            let v = row.get(c).unwrap_or_default().trim();
            if v.is_empty() {
                return Ok(None);
            }
            transit::gtfs_minutes(v)
                .map(Some)
                .ok_or_else(|| problem(f, line, name, format!("`{v}` is not a time HH:MM:SS")))
        };
        if calls.len() == MAX_STOP_TIMES {
            return Err(problem(
                f,
                line,
                "trip_id",
                format!("more than {MAX_STOP_TIMES} stop times"),
            ));
        }
        calls.push((
            row.get(trip_c).unwrap_or_default().to_string(),
            seq,
            stop,
            time(arr_c, "arrival_time")?,
            time(dep_c, "departure_time")?,
            line,
        ));
    }
    calls.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    interpolate(&mut calls);
    let mut hops = Vec::new();
    for w in calls.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if a.0 != b.0 {
            continue;
        }
        if let (Some(dep), Some(arr)) = (a.4.or(a.3), b.3.or(b.4)) {
            if arr < dep {
                return Err(problem(
                    f,
                    b.5,
                    "arrival_time",
                    format!(
                        "trip `{}` arrives here before it left its stop before (sequence {})",
                        b.0, a.1
                    ),
                ));
            }
            hops.push((a.2, b.2, arr - dep));
        }
    }
    Transit::new(&stops, &hops, rules).ok_or_else(|| {
        problem(
            "stops.txt",
            0,
            "stop_lat",
            "a stop lies where EPSG:5179 cannot place it".into(),
        )
    })
}

/// A trip's call at a stop: trip, sequence, stop, arrival, departure (minutes), and its line.
type Call = (String, u32, usize, Option<f64>, Option<f64>, u64);

/// Times of the stops a trip passes without a time of their own (GTFS allows them between
/// timepoints), spread evenly by sequence between the timed stops around them.
fn interpolate(calls: &mut [Call]) {
    let mut start = 0;
    while start < calls.len() {
        let end = start
            + calls[start..]
                .iter()
                .take_while(|c| c.0 == calls[start].0)
                .count();
        let trip = &mut calls[start..end];
        let mut last: Option<(usize, f64)> = None;
        for i in 0..trip.len() {
            let Some(at) = trip[i].3.or(trip[i].4) else {
                continue;
            };
            if let Some((j, from)) = last
                && i > j + 1
            {
                let step = (at - from) / (i - j) as f64;
                for (k, call) in trip.iter_mut().enumerate().take(i).skip(j + 1) {
                    let t = from + step * (k - j) as f64;
                    call.3 = Some(t);
                    call.4 = Some(t);
                }
            }
            last = Some((i, trip[i].4.unwrap_or(at)));
        }
        start = end;
    }
}

/// The two files of a GTFS feed the network reads.
pub struct GtfsFiles {
    pub stops: String,
    pub stop_times: String,
}

impl GtfsFiles {
    /// From a feed's .zip.
    pub fn from_zip(bytes: &[u8]) -> Result<GtfsFiles, String> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("not a zip: {e}"))?;
        let mut read = |name: &str| -> Result<String, String> {
            let file = archive
                .by_name(name)
                .map_err(|_| format!("the feed has no {name}"))?;
            if file.size() > MAX_GTFS_FILE {
                return Err(format!(
                    "{name}: {} bytes unpacked; at most {MAX_GTFS_FILE}",
                    file.size()
                ));
            }
            let mut text = String::new();
            // The size a zip states is not trusted: reading stops at the limit.
            file.take(MAX_GTFS_FILE + 1)
                .read_to_string(&mut text)
                .map_err(|e| format!("{name}: {e}"))?;
            if text.len() as u64 > MAX_GTFS_FILE {
                return Err(format!("{name}: more than {MAX_GTFS_FILE} bytes unpacked"));
            }
            Ok(text)
        };
        Ok(GtfsFiles {
            stops: read("stops.txt")?,
            stop_times: read("stop_times.txt")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(trip: &str, seq: u32, at: Option<f64>) -> Call {
        (trip.into(), seq, seq as usize, at, at, u64::from(seq) + 1)
    }

    #[test]
    fn stops_without_times_get_them_spread_between_timepoints() {
        let mut calls = vec![
            call("a", 1, Some(480.0)),
            call("a", 2, None),
            call("a", 3, None),
            call("a", 4, Some(489.0)),
            call("b", 1, None),
            call("b", 2, Some(500.0)),
        ];
        interpolate(&mut calls);
        let times: Vec<Option<f64>> = calls.iter().map(|c| c.3).collect();
        assert_eq!(
            times,
            vec![
                Some(480.0),
                Some(483.0),
                Some(486.0),
                Some(489.0),
                None,
                Some(500.0)
            ]
        );
    }

    #[test]
    fn a_feed_names_the_line_of_its_problem() {
        let rules = ucz_core::Catalog::bundled()
            .expect("catalog")
            .placement
            .network
            .clone();
        let files = GtfsFiles {
            stops: "stop_id,stop_lat,stop_lon\nA,36.35,127.38\nA,36.36,127.39\n".into(),
            stop_times: "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n".into(),
        };
        let e = gtfs(&files, &rules).err().expect("a stop given twice");
        assert_eq!(e.errors[0].field, "stops.txt:3:stop_id");
        let files = GtfsFiles {
            stops: "stop_id,stop_lat,stop_lon\nA,36.35,127.38\nB,36.36,127.39\n".into(),
            stop_times: "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,08:00:00,08:00:00,A,1\nT,8h,,B,2\n".into(),
        };
        let e = gtfs(&files, &rules).err().expect("a time that is not one");
        assert_eq!(e.errors[0].field, "stop_times.txt:3:arrival_time");
        let files = GtfsFiles {
            stops: "stop_id,stop_lat,stop_lon\nA,36.35,127.38\nB,36.36,127.39\n".into(),
            stop_times: "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,08:05:00,08:05:00,A,1\nT,07:00:00,07:00:00,B,2\n".into(),
        };
        let e = gtfs(&files, &rules).err().expect("time going backwards");
        assert_eq!(e.errors[0].field, "stop_times.txt:3:arrival_time");
    }
}
