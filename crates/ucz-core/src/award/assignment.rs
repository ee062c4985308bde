//! Assigning applications to evaluators: each application to `k` evaluators, none with a
//! conflict on it, none above the load limit, and loads as even as the conflicts allow.
//!
//! Greedy, most constrained application first, each to the least loaded evaluators it may have;
//! then a repair pass moves applications from an evaluator to one carrying two or more fewer
//! wherever a conflict does not forbid it, until no such move is left. The result is
//! deterministic for its input.

use std::collections::{BTreeSet, HashSet};

/// Why an assignment cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// The application (its index) that could not be given `k` evaluators.
    pub application: usize,
    pub got: usize,
}

/// The assignment problem: `applications` × `evaluators` (by index), the conflicted pairs.
pub struct Problem<'a> {
    pub applications: usize,
    pub evaluators: usize,
    /// `(application, evaluator)` pairs that may not be assigned.
    pub conflicts: &'a HashSet<(usize, usize)>,
    pub k: usize,
    pub max_load: usize,
}

/// For each application, its evaluators (indices, ascending).
pub fn assign(problem: &Problem) -> Result<Vec<Vec<usize>>, Shortfall> {
    let Problem {
        applications,
        evaluators,
        conflicts,
        k,
        max_load,
    } = *problem;
    let mut conflicted = vec![0usize; applications];
    for (a, e) in conflicts.iter() {
        if *a < applications && *e < evaluators {
            conflicted[*a] += 1;
        }
    }
    let mut order: Vec<usize> = (0..applications).collect();
    order.sort_by_key(|a| (std::cmp::Reverse(conflicted[*a]), *a));
    let mut load = vec![0usize; evaluators];
    // Evaluators by (load, index): the least loaded first.
    let mut queue: BTreeSet<(usize, usize)> = (0..evaluators).map(|e| (0, e)).collect();
    let mut out = vec![Vec::with_capacity(k); applications];
    for a in order {
        let chosen: Vec<usize> = queue
            .iter()
            .filter(|(l, e)| *l < max_load && !conflicts.contains(&(a, *e)))
            .take(k)
            .map(|(_, e)| *e)
            .collect();
        if chosen.len() < k {
            return Err(Shortfall {
                application: a,
                got: chosen.len(),
            });
        }
        for e in &chosen {
            queue.remove(&(load[*e], *e));
            load[*e] += 1;
            queue.insert((load[*e], *e));
        }
        out[a] = chosen;
    }
    repair(&mut out, &mut load, conflicts);
    for evaluators in &mut out {
        evaluators.sort_unstable();
    }
    Ok(out)
}

/// Moves applications from heavier to lighter evaluators (two or more apart) while a move is
/// allowed: the lighter one has no conflict on it and is not already one of its evaluators.
fn repair(out: &mut [Vec<usize>], load: &mut [usize], conflicts: &HashSet<(usize, usize)>) {
    let evaluators = load.len();
    let mut given: Vec<Vec<usize>> = vec![Vec::new(); evaluators];
    for (a, list) in out.iter().enumerate() {
        for e in list {
            given[*e].push(a);
        }
    }
    loop {
        let mut by_load: Vec<usize> = (0..evaluators).collect();
        by_load.sort_by_key(|e| (load[*e], *e));
        let mut moved = false;
        'search: for &light in &by_load {
            for &heavy in by_load.iter().rev() {
                if load[heavy] < load[light] + 2 {
                    break;
                }
                let movable = given[heavy]
                    .iter()
                    .position(|a| !conflicts.contains(&(*a, light)) && !out[*a].contains(&light));
                if let Some(i) = movable {
                    let a = given[heavy].swap_remove(i);
                    given[light].push(a);
                    if let Some(slot) = out[a].iter_mut().find(|e| **e == heavy) {
                        *slot = light;
                    }
                    load[heavy] -= 1;
                    load[light] += 1;
                    moved = true;
                    break 'search;
                }
            }
        }
        if !moved {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The most loaded evaluator's load less the least loaded one's.
    fn spread(load: &[usize]) -> usize {
        load.iter().max().copied().unwrap_or(0) - load.iter().min().copied().unwrap_or(0)
    }

    fn loads(out: &[Vec<usize>], evaluators: usize) -> Vec<usize> {
        let mut load = vec![0; evaluators];
        out.iter().flatten().for_each(|e| load[*e] += 1);
        load
    }

    #[test]
    fn twenty_seven_applications_to_five_evaluators_three_each() {
        let conflicts: HashSet<(usize, usize)> = [(3, 0), (8, 4)].into();
        let out = assign(&Problem {
            applications: 27,
            evaluators: 5,
            conflicts: &conflicts,
            k: 3,
            max_load: 20,
        })
        .expect("an assignment");
        assert!(!out[3].contains(&0) && !out[8].contains(&4));
        let load = loads(&out, 5);
        assert_eq!(load.iter().sum::<usize>(), 81);
        assert!(spread(&load) <= 1, "{load:?}");
    }

    #[test]
    fn too_few_evaluators_is_a_shortfall() {
        let conflicts: HashSet<(usize, usize)> = [(0, 0)].into();
        let problem = Problem {
            applications: 2,
            evaluators: 3,
            conflicts: &conflicts,
            k: 3,
            max_load: 5,
        };
        assert_eq!(
            assign(&problem),
            Err(Shortfall {
                application: 0,
                got: 2
            })
        );
    }

    proptest! {
        /// No conflicted pair is assigned; each application has k distinct evaluators; no load
        /// above the limit; and an evaluator two or more above another holds only applications
        /// the lighter one could not take (a conflict, or already its own).
        #[test]
        fn assignments_respect_conflicts_and_balance(
            applications in 1usize..80,
            evaluators in 3usize..15,
            k in 1usize..4,
            pairs in proptest::collection::vec((0usize..80, 0usize..15), 0..120),
        ) {
            let conflicts: HashSet<(usize, usize)> = pairs.into_iter().collect();
            let problem = Problem { applications, evaluators, conflicts: &conflicts, k, max_load: applications };
            let Ok(out) = assign(&problem) else { return Ok(()); };
            for (a, list) in out.iter().enumerate() {
                prop_assert_eq!(list.len(), k);
                let distinct: BTreeSet<usize> = list.iter().copied().collect();
                prop_assert_eq!(distinct.len(), k);
                for e in list {
                    prop_assert!(!conflicts.contains(&(a, *e)));
                }
            }
            let load = loads(&out, evaluators);
            for heavy in 0..evaluators {
                for light in 0..evaluators {
                    if load[heavy] >= load[light] + 2 {
                        for (a, list) in out.iter().enumerate() {
                            if list.contains(&heavy) {
                                prop_assert!(conflicts.contains(&(a, light)) || list.contains(&light));
                            }
                        }
                    }
                }
            }
            if conflicts.is_empty() {
                prop_assert!(spread(&load) <= 1);
            }
        }
    }
}
