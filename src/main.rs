//! The `cutover` command line. All work happens in [`cli::run`]; this file
//! only prints the error and picks the exit code: 0 ok, 1 internal error,
//! 2 bad input (a scenario, a flag, a strategy name).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic is a bug, never the user's input: it still ends with the
    // internal-error code (the panic message has been printed already),
    // also when it happened on a worker thread.
    match std::panic::catch_unwind(cli::run) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
        Err(_) => {
            eprintln!("cutover: internal error (a bug); please report it with the scenario and the command line");
            ExitCode::from(1)
        }
    }
}
