//! The `policy-search` command: parse the arguments, run the command, turn an error into its
//! message and exit status. Everything else lives in `cli/` and the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli::args::Cli {
        dictionaries,
        synonyms,
        command,
    } = match cli::args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let args: Vec<String> = std::env::args().collect();
            if let Some(hint) = cli::args::exclusion_hint(&error, &args) {
                eprintln!("error: {hint}");
                return ExitCode::from(2);
            }
            error.exit()
        }
    };
    let result = policy_search::analysis::use_dictionaries(&dictionaries)
        .and_then(|()| cli::run(command, synonyms.as_deref()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
