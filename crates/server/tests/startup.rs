//! What a person starting `folio` sees: plain log lines when the log goes to a
//! file or a pipe, and one clear message when PostgreSQL cannot be reached.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn folio() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command.env("FOLIO_ENV", "test").env("FOLIO__LOG__FORMAT", "pretty").env("FOLIO__SERVER__PORT", "0");
    command
}

#[test]
fn an_unreachable_database_is_reported_once_naming_it_and_how_to_start_postgresql() {
    let port = closed_port();
    let url = format!("postgres://folio:not-this-secret@127.0.0.1:{port}/folio_unreachable");

    let output = folio().env("FOLIO__DATABASE__URL", &url).output().expect("folio runs");

    assert!(!output.status.success(), "start-up fails");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stderr.trim();
    assert_eq!(line.lines().count(), 1, "one line: {stderr}");
    assert!(
        line.contains(&format!("postgres://folio@127.0.0.1:{port}/folio_unreachable")),
        "names the database: {line}"
    );
    assert!(line.contains("Start PostgreSQL") && line.contains("FOLIO__DATABASE__URL"), "says what to do: {line}");
    assert!(!line.contains("not-this-secret"), "never the password: {line}");
    assert!(!stdout.contains("PostgreSQL"), "said once, not again in the log: {stdout}");
}

#[test]
fn log_lines_written_to_a_pipe_carry_no_colour_codes() {
    // Without preparing the database, the server starts and logs even with
    // PostgreSQL away, which gives lines to read without one.
    let url = format!("postgres://folio@127.0.0.1:{}/folio_unreachable", closed_port());
    let mut child = folio()
        .env("FOLIO__DATABASE__URL", url)
        .env("FOLIO__DATABASE__CREATE_IF_MISSING", "false")
        .env("FOLIO__DATABASE__MIGRATE_ON_START", "false")
        .env("FOLIO__JOBS__WORKERS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("folio starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let listening = line.contains("listening on");
            if lines.send(line).is_err() || listening {
                break;
            }
        }
    });
    let mut log = Vec::new();
    while let Ok(line) = received.recv_timeout(Duration::from_secs(30)) {
        let listening = line.contains("listening on");
        log.push(line);
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();

    assert!(log.iter().any(|line| line.contains("listening on") && line.contains("INFO")), "{log:#?}");
    let coloured: Vec<&String> = log.iter().filter(|line| line.contains('\u{1b}')).collect();
    assert!(coloured.is_empty(), "escape codes in a piped log: {coloured:#?}");
}
