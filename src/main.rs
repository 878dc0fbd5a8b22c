//! The `cutover` command line. All work happens in [`cli::run`]; this file
//! only prints the error and picks the exit code: 0 ok, 2 bad input or an
//! environment that refuses (a file in the way, a read-only folder, a full
//! disk), 141 when the standard output was closed (quietly), 130 when
//! interrupted, 1 an internal error (a bug).

mod cli;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic is a bug, never the user's input: it still ends with the
    // internal-error code (the panic message has been printed already),
    // also when it happened on a worker thread.
    match std::panic::catch_unwind(cli::run) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        // The reader of the output has gone: nothing to say, to no one.
        Ok(Err(cli::CliError::BrokenPipe)) => ExitCode::from(cli::EXIT_BROKEN_PIPE),
        Ok(Err(e)) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            ExitCode::from(e.exit_code())
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "cutover: internal error (a bug); please report it with the scenario and the command line"
            );
            ExitCode::from(1)
        }
    }
}
