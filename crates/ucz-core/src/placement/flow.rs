//! Minimum-cost maximum flow by successive shortest paths: Dijkstra with potentials finds the
//! shortest residual distances, then a blocking flow (Dinic's depth-first search with current-arc
//! pointers) saturates every shortest augmenting path of that length at once. The result is a
//! maximum flow of least cost among maximum flows.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
struct Arc {
    to: usize,
    cap: i64,
    cost: i64,
}

/// A flow network; arcs come in pairs (forward at an even index, its residual at the next).
#[derive(Clone, Debug, Default)]
pub struct Network {
    arcs: Vec<Arc>,
    out: Vec<Vec<usize>>,
}

impl Network {
    pub fn new(nodes: usize) -> Network {
        Network {
            arcs: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc; returns its index, to read its flow after solving. Costs must be ≥ 0.
    pub fn arc(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let index = self.arcs.len();
        self.arcs.push(Arc { to, cap, cost });
        self.arcs.push(Arc {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.out[from].push(index);
        self.out[to].push(index + 1);
        index
    }

    /// The flow on an arc added by `arc`.
    pub fn flow(&self, arc: usize) -> i64 {
        self.arcs[arc ^ 1].cap
    }

    /// Sends as much flow as possible from `source` to `sink` at least cost; returns (flow, cost).
    pub fn solve(&mut self, source: usize, sink: usize) -> (i64, i64) {
        let n = self.out.len();
        let mut potential = vec![0i64; n];
        let mut flow = 0i64;
        loop {
            // Shortest reduced distances from the source.
            let mut dist = vec![i64::MAX; n];
            dist[source] = 0;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((0i64, source)));
            while let Some(Reverse((d, v))) = heap.pop() {
                if d > dist[v] {
                    continue;
                }
                for &a in &self.out[v] {
                    let arc = &self.arcs[a];
                    if arc.cap <= 0 {
                        continue;
                    }
                    let next = d + arc.cost + potential[v] - potential[arc.to];
                    if next < dist[arc.to] {
                        dist[arc.to] = next;
                        heap.push(Reverse((next, arc.to)));
                    }
                }
            }
            if dist[sink] == i64::MAX {
                let cost = self
                    .arcs
                    .chunks(2)
                    .map(|pair| pair[0].cost * pair[1].cap)
                    .sum();
                return (flow, cost);
            }
            for v in 0..n {
                if dist[v] != i64::MAX {
                    potential[v] += dist[v];
                }
            }
            // Blocking flow along arcs of zero reduced cost (the shortest paths).
            let mut level = vec![u32::MAX; n];
            level[source] = 0;
            let mut queue = std::collections::VecDeque::from([source]);
            while let Some(v) = queue.pop_front() {
                for &a in &self.out[v] {
                    let arc = &self.arcs[a];
                    if arc.cap > 0
                        && level[arc.to] == u32::MAX
                        && dist[arc.to] != i64::MAX
                        && arc.cost + potential[v] - potential[arc.to] == 0
                    {
                        level[arc.to] = level[v] + 1;
                        queue.push_back(arc.to);
                    }
                }
            }
            let mut next_arc = vec![0usize; n];
            loop {
                let pushed = self.push(source, sink, i64::MAX, &level, &potential, &mut next_arc);
                if pushed == 0 {
                    break;
                }
                flow += pushed;
            }
        }
    }

    /// One augmenting path of the level graph, iteratively (paths can be long).
    fn push(
        &mut self,
        source: usize,
        sink: usize,
        limit: i64,
        level: &[u32],
        potential: &[i64],
        next_arc: &mut [usize],
    ) -> i64 {
        let mut path: Vec<usize> = Vec::new();
        let mut v = source;
        loop {
            if v == sink {
                let pushed = path
                    .iter()
                    .map(|&a| self.arcs[a].cap)
                    .min()
                    .unwrap_or(limit)
                    .min(limit);
                for &a in &path {
                    self.arcs[a].cap -= pushed;
                    self.arcs[a ^ 1].cap += pushed;
                }
                return pushed;
            }
            let mut advanced = false;
            while next_arc[v] < self.out[v].len() {
                let a = self.out[v][next_arc[v]];
                let arc = &self.arcs[a];
                if arc.cap > 0
                    && level[arc.to] == level[v].wrapping_add(1)
                    && arc.cost + potential[v] - potential[arc.to] == 0
                {
                    path.push(a);
                    v = arc.to;
                    advanced = true;
                    break;
                }
                next_arc[v] += 1;
            }
            if !advanced {
                // A dead end: retreat and skip the arc that led here.
                match path.pop() {
                    Some(a) => {
                        v = self.arcs[a ^ 1].to;
                        next_arc[v] += 1;
                    }
                    None => return 0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheapest_maximum_flow() {
        // Two workers, two jobs: the cheap pairing would leave one job undone.
        let mut net = Network::new(6);
        let (s, a, b, x, y, t) = (0, 1, 2, 3, 4, 5);
        net.arc(s, a, 1, 0);
        net.arc(s, b, 1, 0);
        let ax = net.arc(a, x, 1, 1);
        let ay = net.arc(a, y, 1, 5);
        let bx = net.arc(b, x, 1, 2);
        net.arc(x, t, 1, 0);
        net.arc(y, t, 1, 0);
        assert_eq!(net.solve(s, t), (2, 7));
        assert_eq!((net.flow(ax), net.flow(ay), net.flow(bx)), (0, 1, 1));
    }
}
