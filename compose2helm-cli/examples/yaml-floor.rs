//! The floor the benchmark (`scripts/bench.sh`) compares `compose2helm convert` with: the
//! least a YAML-to-YAML tool written with the same library can do. It reads a compose file
//! into a `serde_yaml::Value` and writes it back to a file, as a whole process, so the
//! comparison includes what every contender pays (process start, reading, writing).
//!
//! Usage: `yaml-floor <input.yaml> <output.yaml>`

use std::error::Error;
use std::process::ExitCode;

fn run(input: &str, output: &str) -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(input)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text)?;
    std::fs::write(output, serde_yaml::to_string(&value)?)?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: yaml-floor <input.yaml> <output.yaml>");
        return ExitCode::from(2);
    };
    match run(input, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yaml-floor: {e}");
            ExitCode::FAILURE
        }
    }
}
