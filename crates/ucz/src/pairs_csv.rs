//! Eligible pairs as CSV (`firm_id,program_id`), formatted on every core while the groups formatted
//! before are written, in order.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use ucz_core::firm::columns::Ids;

/// Chunks of pairs one thread formats at a time.
const GROUP: usize = 8;

/// Appends a value to a CSV line, quoted when it holds a comma, a quote or a line break.
fn push_value(line: &mut Vec<u8>, value: &[u8]) {
    if value
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        line.push(b'"');
        for b in value {
            if *b == b'"' {
                line.push(b'"');
            }
            line.push(*b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(value);
    }
}

/// Writes the header and every pair: firms in input order, programs in their order.
pub fn write(
    w: &mut dyn Write,
    pairs: &[Vec<(u32, u16)>],
    ids: &Ids,
    programs: &[String],
    threads: usize,
) -> io::Result<()> {
    w.write_all(b"firm_id,program_id\n")?;
    // `,program\n` once per program.
    let tails: Vec<Vec<u8>> = programs
        .iter()
        .map(|p| {
            let mut tail = vec![b','];
            push_value(&mut tail, p.as_bytes());
            tail.push(b'\n');
            tail
        })
        .collect();
    let format = |group: &[Vec<(u32, u16)>], mut out: Vec<u8>| -> Vec<u8> {
        out.clear();
        for (firm, rule) in group.iter().flatten() {
            push_value(&mut out, ids.get(*firm as usize));
            out.extend_from_slice(&tails[usize::from(*rule)]);
        }
        out
    };
    // `threads` formatters take a buffer, then the next group; the writer writes the groups in
    // order and hands the buffers back. A formatter takes its buffer before its group, so the
    // group the writer waits for is always being formatted, and the buffers bound the memory.
    let groups: Vec<&[Vec<(u32, u16)>]> = pairs.chunks(GROUP).collect();
    let threads = threads.max(1);
    let next = AtomicUsize::new(0);
    let (give, take) = mpsc::channel::<Vec<u8>>();
    for _ in 0..threads * 2 {
        // A send fails only once every formatter has stopped.
        let _ = give.send(Vec::new());
    }
    let take = Mutex::new(take);
    let (to_writer, formatted) = mpsc::channel::<(usize, Vec<u8>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (groups, next, take, to_writer) = (&groups, &next, &take, to_writer.clone());
            let format = &format;
            scope.spawn(move || {
                loop {
                    let buffer = match take.lock().map(|t| t.recv()) {
                        Ok(Ok(buffer)) => buffer,
                        _ => return,
                    };
                    let g = next.fetch_add(1, Ordering::Relaxed);
                    let Some(group) = groups.get(g) else {
                        return;
                    };
                    if to_writer.send((g, format(group, buffer))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_writer);
        let mut written = 0usize;
        let mut write_in_order = || -> io::Result<()> {
            let mut waiting = std::collections::BTreeMap::new();
            for (g, buffer) in formatted.iter() {
                waiting.insert(g, buffer);
                while let Some(buffer) = waiting.remove(&written) {
                    w.write_all(&buffer)?;
                    written += 1;
                    // A send fails only once every formatter has stopped.
                    let _ = give.send(buffer);
                }
            }
            Ok(())
        };
        let outcome = write_in_order();
        // Formatters waiting for a buffer stop.
        drop(give);
        outcome?;
        if written == groups.len() {
            Ok(())
        } else {
            Err(io::Error::other(
                "formatting the pairs stopped unexpectedly",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any pairs, on any number of threads, are written as one line each, in order.
        #[test]
        fn pairs_are_written_in_order(
            chunks in proptest::collection::vec(proptest::collection::vec((0u32..50, 0u16..3), 0..40), 0..60),
            threads in 1usize..5,
        ) {
            let ids = Ids::new((0..50).map(|i| if i == 7 { "a,b".to_string() } else { format!("F{i}") }));
            let programs = ["p0".to_string(), "p\"1".to_string(), "p2".to_string()];
            let mut out = Vec::new();
            write(&mut out, &chunks, &ids, &programs, threads).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut expected = String::from("firm_id,program_id\n");
            for (firm, rule) in chunks.iter().flatten() {
                let id = if *firm == 7 { "\"a,b\"".to_string() } else { format!("F{firm}") };
                let program = ["p0", "\"p\"\"1\"", "p2"][usize::from(*rule)];
                expected.push_str(&format!("{id},{program}\n"));
            }
            prop_assert_eq!(String::from_utf8_lossy(&out), expected);
        }
    }

    /// A writer that fails stops the formatters and is told.
    #[test]
    fn a_failed_write_is_told() {
        /// Room for the header and no more.
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                if self.0 < bytes.len() {
                    return Err(io::Error::other("disk full"));
                }
                self.0 -= bytes.len();
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let ids = Ids::new(["a"]);
        let pairs = vec![vec![(0u32, 0u16)]; 100];
        let err = write(&mut Full(19), &pairs, &ids, &["p".to_string()], 3).err();
        assert_eq!(err.map(|e| e.to_string()).as_deref(), Some("disk full"));
    }

    #[test]
    fn values_with_commas_quotes_or_breaks_are_quoted() {
        let mut line = Vec::new();
        push_value(&mut line, b"plain");
        line.push(b'|');
        push_value(&mut line, b"a,\"b\"\nc");
        assert_eq!(line, b"plain|\"a,\"\"b\"\"\nc\"".to_vec());
    }
}
