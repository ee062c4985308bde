//! Eligible pairs as CSV (`firm_id,program_id`), formatted on every core a window of chunks at a
//! time and written in order.

use std::io::{self, Write};

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
    let format = |group: &[Vec<(u32, u16)>]| -> Vec<u8> {
        let pairs: usize = group.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(pairs * 24);
        for (firm, rule) in group.iter().flatten() {
            push_value(&mut out, ids.get(*firm as usize));
            out.extend_from_slice(&tails[usize::from(*rule)]);
        }
        out
    };
    for window in pairs.chunks(GROUP * threads.max(1)) {
        let buffers = std::thread::scope(|scope| {
            let handles: Vec<_> = window
                .chunks(GROUP)
                .map(|group| scope.spawn(move || format(group)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join())
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|_| io::Error::other("formatting the pairs stopped unexpectedly"))?;
        for buffer in buffers {
            w.write_all(&buffer)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_commas_quotes_or_breaks_are_quoted() {
        let mut line = Vec::new();
        push_value(&mut line, b"plain");
        line.push(b'|');
        push_value(&mut line, b"a,\"b\"\nc");
        assert_eq!(line, b"plain|\"a,\"\"b\"\"\nc\"".to_vec());
    }
}
