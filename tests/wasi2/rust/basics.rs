// basics.rs: a Rust std program for the WASI 0.2 suite: arguments, environment, stdin to
// stdout, stderr, clocks, HashMap's random keys, and the exit status given as argument.
use std::collections::HashMap;
use std::env;
use std::io::{self, Read, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    println!("args: {:?}", args);
    let mut vars: Vec<(String, String)> = env::vars().collect();
    vars.sort();
    println!("env: {:?}", vars);
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input).expect("stdin");
    println!("stdin: {} bytes, sum {}", input.len(), input.iter().map(|&b| b as u64).sum::<u64>());
    io::stdout().write_all(&input).expect("stdout");
    eprintln!("to stderr");
    let t0 = Instant::now();
    let mut x: u64 = 1;
    for i in 0..100000u64 { x = x.wrapping_mul(6364136223846793005).wrapping_add(i); }
    println!("monotonic advances: {}", Instant::now() >= t0 && x != 0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("wall clock").as_secs();
    println!("wall clock after 2020: {}", now > 1_577_836_800);
    let mut m = HashMap::new();
    for i in 0..100 { m.insert(i, i * i); }
    println!("hashmap: {}", m.values().sum::<i32>());
    let code: i32 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0);
    if code == 99 { panic!("asked to panic"); }
    std::process::exit(code);
}
