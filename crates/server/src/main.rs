//! The `folio` binary: settings, telemetry, then the chosen command.

use std::process::ExitCode;

use clap::Parser as _;
use folio_server::cli::{Cli, Command, print_openapi};
use folio_server::settings::{LogFormat, Settings};

/// mimalloc instead of the system allocator: a request allocates and frees
/// many small buffers (rows, values, JSON), and glibc's malloc spent a large
/// share of the server's CPU on them under load (`just instructions` counts
/// where a request's instructions go).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Some(Command::Openapi)) {
        // No settings, telemetry or database: the document can be printed anywhere.
        return match print_openapi() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("folio: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            // Telemetry is not up yet: the one line goes straight to stderr.
            eprintln!("folio: {error:#}");
            return ExitCode::from(2);
        }
    };
    let _log_writer = match folio_server::telemetry::init(settings.log.format) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("folio: cannot start the log writer: {error}");
            return ExitCode::FAILURE;
        }
    };
    let format = settings.log.format;
    match cli.run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Said once, on stderr, where a person running folio looks; a
            // JSON log also gets it as a line, for whatever collects the log.
            if format == LogFormat::Json {
                tracing::error!(error = format!("{error:#}"), "folio stopped");
            }
            eprintln!("folio: {error:#}");
            ExitCode::FAILURE
        }
    }
}
