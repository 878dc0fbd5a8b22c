//! The `cutover` command line. All work happens in [`cli::run`]; this file
//! only prints the error and picks the exit code: 0 ok, 1 internal error,
//! 2 bad input (a scenario, a flag, a strategy name).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
