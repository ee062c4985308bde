//! Minimum-cost flow by successive shortest paths, one unit source at a time (the Hungarian
//! method on a network): each `route` finds the cheapest augmenting path from one node to the
//! sink with Dijkstra on reduced costs, stopping as soon as the sink is reached, then keeps the
//! reduced costs non-negative by moving only the potentials of the nodes it settled. If every
//! source can always reach the sink, routing all of them in any order gives a flow of least total
//! cost.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, Debug)]
struct Arc {
    to: u32,
    cap: i32,
    cost: i64,
}

/// A flow network; arcs come in pairs (forward at an even index, its residual at the next).
#[derive(Clone, Debug, Default)]
pub struct Network {
    arcs: Vec<Arc>,
    out: Vec<Vec<u32>>,
    potential: Vec<i64>,
    dist: Vec<i64>,
    parent: Vec<u32>,
    /// The search that last reached / settled each node, so searches need no clearing.
    reached: Vec<u32>,
    settled: Vec<u32>,
    search: u32,
}

impl Network {
    pub fn new(nodes: usize) -> Network {
        Network {
            arcs: Vec::new(),
            out: vec![Vec::new(); nodes],
            potential: vec![0; nodes],
            dist: vec![0; nodes],
            parent: vec![0; nodes],
            reached: vec![0; nodes],
            settled: vec![0; nodes],
            search: 0,
        }
    }

    /// Adds an arc; returns its index, to read its flow later. Costs must be ≥ 0.
    pub fn arc(&mut self, from: usize, to: usize, cap: i32, cost: i64) -> usize {
        let index = self.arcs.len();
        self.arcs.push(Arc {
            to: to as u32,
            cap,
            cost,
        });
        self.arcs.push(Arc {
            to: from as u32,
            cap: 0,
            cost: -cost,
        });
        self.out[from].push(index as u32);
        self.out[to].push(index as u32 + 1);
        index
    }

    /// The flow on an arc added by `arc`.
    pub fn flow(&self, arc: usize) -> i32 {
        self.arcs[arc ^ 1].cap
    }

    /// A node's potential: after routing, every residual arc's cost plus its tail's potential
    /// less its head's is at least 0 (a certificate of the flow's optimality).
    pub fn potential(&self, node: usize) -> i64 {
        self.potential[node]
    }

    /// Sends one unit from `from` to `sink` along a cheapest residual path; returns its cost, or
    /// `None` when the sink cannot be reached.
    pub fn route(&mut self, from: usize, sink: usize) -> Option<i64> {
        self.search += 1;
        let search = self.search;
        let mut settled: Vec<u32> = Vec::new();
        let mut heap = BinaryHeap::new();
        self.dist[from] = 0;
        self.reached[from] = search;
        heap.push(Reverse((0i64, from as u32)));
        let mut found = false;
        while let Some(Reverse((d, v))) = heap.pop() {
            let v = v as usize;
            if self.settled[v] == search || d > self.dist[v] {
                continue;
            }
            self.settled[v] = search;
            settled.push(v as u32);
            if v == sink {
                found = true;
                break;
            }
            for &a in &self.out[v] {
                let arc = self.arcs[a as usize];
                if arc.cap <= 0 {
                    continue;
                }
                let to = arc.to as usize;
                let next = d + arc.cost + self.potential[v] - self.potential[to];
                if self.reached[to] != search || next < self.dist[to] {
                    self.reached[to] = search;
                    self.dist[to] = next;
                    self.parent[to] = a;
                    heap.push(Reverse((next, arc.to)));
                }
            }
        }
        if !found {
            return None;
        }
        // Settled nodes move by their distance less the sink's; the others keep theirs. Every
        // residual arc keeps a non-negative reduced cost, and the path's arcs get zero.
        let reach = self.dist[sink];
        for &v in &settled {
            self.potential[v as usize] += self.dist[v as usize] - reach;
        }
        let mut cost = 0;
        let mut v = sink;
        while v != from {
            let a = self.parent[v] as usize;
            self.arcs[a].cap -= 1;
            self.arcs[a ^ 1].cap += 1;
            cost += self.arcs[a].cost;
            v = self.arcs[a ^ 1].to as usize;
        }
        Some(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_sources_one_by_one_reaches_the_cheapest_total() {
        // Two firms, two spaces: routing `a` first takes `x` (cost 1); routing `b` then moves `a`
        // to `y` because 5 + 2 < the alternatives.
        let (a, b, x, y, sink) = (0, 1, 2, 3, 4);
        let mut net = Network::new(5);
        let ax = net.arc(a, x, 1, 1);
        let ay = net.arc(a, y, 1, 5);
        let bx = net.arc(b, x, 1, 2);
        net.arc(x, sink, 1, 0);
        net.arc(y, sink, 1, 0);
        assert_eq!(net.route(a, sink), Some(1));
        assert_eq!(net.route(b, sink), Some(2 + 5 - 1));
        assert_eq!((net.flow(ax), net.flow(ay), net.flow(bx)), (0, 1, 1));
        let c = net.out.len();
        net.out.push(Vec::new());
        net.potential.push(0);
        net.dist.push(0);
        net.parent.push(0);
        net.reached.push(0);
        net.settled.push(0);
        assert_eq!(net.route(c, sink), None, "no arc, no route");
    }
}
