// fs.rs: a Rust std program on WASI: arguments, environment, files and directories inside
// the /sandbox preopen, an escape attempt, and the exit status.
use std::env;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    println!("args: {:?}", args);
    println!("env vars: {}", env::vars().count());

    let dir = "/sandbox/rust";
    fs::create_dir(dir).expect("create_dir");
    let path = format!("{}/hello.txt", dir);
    {
        let mut f = fs::File::create(&path).expect("create");
        f.write_all(b"hello from rust\n").expect("write");
    }
    let mut f = fs::OpenOptions::new().read(true).write(true).open(&path).expect("open");
    f.seek(SeekFrom::Start(6)).expect("seek");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("read");
    println!("read back: {:?}", s);
    println!("size: {}", fs::metadata(&path).expect("metadata").len());

    for name in ["b", "a", "c"] {
        fs::write(format!("{}/{}", dir, name), name).expect("write file");
    }
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().into_string().unwrap())
        .collect();
    names.sort();
    println!("listing: {:?}", names);

    fs::rename(format!("{}/a", dir), format!("{}/z", dir)).expect("rename");
    println!("renamed: {}", fs::read_to_string(format!("{}/z", dir)).expect("read z"));
    match fs::read_to_string("/sandbox/../outside/secret") {
        Ok(_) => println!("escape: ALLOWED"),
        Err(_) => println!("escape: denied"),
    }
    fs::remove_dir_all(dir).expect("remove_dir_all");
    println!("removed: {}", fs::metadata(dir).is_err());
}
