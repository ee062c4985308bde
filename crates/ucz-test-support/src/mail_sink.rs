//! A local SMTP sink for the tests: it speaks enough SMTP for a relay client (EHLO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT), keeps each message, and reads back its subject (RFC 2047 encoded
//! words) and base64 or plain body, so a test can follow the links mailed to an address.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A message the sink received.
#[derive(Clone, Debug)]
pub struct SunkMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl SunkMail {
    /// The first link of the body whose address contains `part`.
    pub fn link(&self, part: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(part))
            .map(str::to_string)
    }
}

/// The sink: its `smtp://` address and what it received.
#[derive(Clone)]
pub struct MailSink {
    pub url: String,
    mails: Arc<Mutex<Vec<SunkMail>>>,
}

impl MailSink {
    /// Starts a sink on a free port of 127.0.0.1.
    pub async fn start() -> MailSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("smtp://{}", listener.local_addr().expect("an address"));
        let mails: Arc<Mutex<Vec<SunkMail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        MailSink { url, mails }
    }

    /// Everything received so far.
    pub fn mails(&self) -> Vec<SunkMail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The mails to one address.
    pub fn to(&self, address: &str) -> Vec<SunkMail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 20 s) until `count` mails to `address` arrived; they are returned.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<SunkMail> {
        for _ in 0..200 {
            let got = self.to(address);
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{count} mail(s) to {address} did not arrive; the sink holds {:#?}",
            self.mails()
        );
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    kept: Arc<Mutex<Vec<SunkMail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            "HELO" | "MAIL" | "NOOP" => write.write_all(b"250 ok\r\n").await?,
            "RSET" => {
                to.clear();
                write.write_all(b"250 ok\r\n").await?;
            }
            "RCPT" => {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(a, _)| a.to_string())
                    .unwrap_or_default();
                to.push(address);
                write.write_all(b"250 ok\r\n").await?;
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut text = Vec::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    // A line the client began with a dot has one more (RFC 5321 4.5.2).
                    text.push(match line.strip_prefix("..") {
                        Some(rest) => format!(".{rest}"),
                        None => line,
                    });
                }
                let mail = parse(std::mem::take(&mut to), &text);
                if let Ok(mut kept) = kept.lock() {
                    kept.push(mail);
                }
                write.write_all(b"250 kept\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"502 no\r\n").await?,
        }
    }
    Ok(())
}

fn parse(to: Vec<String>, lines: &[String]) -> SunkMail {
    let blank = lines
        .iter()
        .position(|l| l.is_empty())
        .unwrap_or(lines.len());
    // Headers, unfolded.
    let mut headers: Vec<String> = Vec::new();
    for line in &lines[..blank] {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.push_str(line.trim_start());
            }
        } else {
            headers.push(line.clone());
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find_map(|h| {
                let (key, value) = h.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_string())
            })
            .unwrap_or_default()
    };
    let subject = decode_words(&header("Subject"));
    let raw: Vec<&str> = lines[(blank + 1).min(lines.len())..]
        .iter()
        .map(String::as_str)
        .collect();
    let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
        String::from_utf8_lossy(&base64(&raw.concat())).into_owned()
    } else {
        raw.join("\n")
    };
    SunkMail { to, subject, body }
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) back into text.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let parts: Vec<&str> = word
            .trim_start_matches("=?")
            .trim_end_matches("?=")
            .splitn(3, '?')
            .collect();
        if word.starts_with("=?") && parts.len() == 3 {
            let bytes = if parts[1].eq_ignore_ascii_case("b") {
                base64(parts[2])
            } else {
                parts[2].replace('_', " ").into_bytes()
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_bodies_read_back() {
        assert_eq!(base64("7ZWc6riA"), "한글".as_bytes());
        assert_eq!(decode_words("=?utf-8?b?7ZWc6riA?= x"), "한글 x");
    }
}
